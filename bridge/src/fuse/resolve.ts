// Maps a path of the mount to what it shows, as a pure function of the
// snapshot. Data the snapshot does not hold yet comes back as a `load` node:
// the cache fetches it and resolves again.
import { STREAM_NAME } from '../events/validation.js';
import type { FileTree, ProjectSnapshot, TextFile } from './model.js';

export const TOP_LEVEL = ['current', 'history', 'shadows', 'context', 'streams'] as const;

/** Where the bytes of a project file come from: the API's file at a time (now when absent). */
export interface BlobSource {
  path: string;
  at?: string;
}

export type Need =
  | { what: 'tree'; at: string }
  | { what: 'shadow'; path: string }
  | { what: 'context'; id: string }
  | { what: 'stream'; name: string };

export type FsNode =
  | { kind: 'dir'; names: string[]; mtime: Date }
  | { kind: 'blob'; size: number; mtime: Date; sha256: string; source: BlobSource }
  | { kind: 'text'; file: TextFile }
  | { kind: 'load'; need: Need };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The canonical form of a /history/<time> name, or null when the name is not an ISO-8601 time. */
export function historyKey(name: string): string | null {
  if (!ISO_TIME.test(name)) return null;
  const ms = Date.parse(name);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls a day past its month's end over (2026-02-30 is March 2): no such day, no such time.
  const day = name.slice(0, 10);
  if (new Date(Date.parse(day)).toISOString().slice(0, 10) !== day) return null;
  return new Date(ms).toISOString();
}

/** Stream names may hold '/' (`file:src/a.ts`); a file name cannot, so '%' and '/' are escaped. */
export function streamFileName(stream: string): string {
  return stream.replaceAll('%', '%25').replaceAll('/', '%2F');
}

/** The stream a /streams file name shows; null when the bridge can hold no stream of that name. */
export function streamName(fileName: string): string | null {
  const stream = fileName.replaceAll('%2F', '/').replaceAll('%25', '%');
  return STREAM_NAME.test(stream) ? stream : null;
}

function sorted(names: Iterable<string>): string[] {
  return [...names].sort();
}

/** A path inside one tree: a directory listing, a file, or nothing. */
function inTree(tree: FileTree, rel: string, at: string | undefined): FsNode | null {
  const dir = tree.dirs.get(rel);
  if (dir) return { kind: 'dir', names: sorted(dir.names), mtime: dir.mtime };
  const f = tree.files.get(rel);
  if (!f) return null;
  const source: BlobSource = at === undefined ? { path: f.path } : { path: f.path, at };
  return { kind: 'blob', size: f.size, mtime: f.mtime, sha256: f.sha256, source };
}

/** /shadows mirrors the current tree: directories as they are, each file `x` as `x.json`. */
function inShadows(snap: ProjectSnapshot, rel: string): FsNode | null {
  const dir = snap.current.dirs.get(rel);
  if (dir) {
    const names = [...dir.names].map((n) => {
      const child = rel === '' ? n : `${rel}/${n}`;
      return snap.current.dirs.has(child) ? n : `${n}.json`;
    });
    return { kind: 'dir', names: sorted(names), mtime: dir.mtime };
  }
  if (!rel.endsWith('.json')) return null;
  const path = rel.slice(0, -'.json'.length);
  if (!snap.current.files.has(path)) return null;
  const file = snap.shadows.get(path);
  return file ? { kind: 'text', file } : { kind: 'load', need: { what: 'shadow', path } };
}

function inContexts(snap: ProjectSnapshot, parts: string[]): FsNode | null {
  const [id, section, ...rest] = parts;
  if (id === undefined) {
    return { kind: 'dir', names: sorted(snap.contexts.keys()), mtime: snap.startedAt };
  }
  const summary = snap.contexts.get(id);
  if (!summary) return null;
  const loaded = snap.packages.get(id);
  if (!loaded) return { kind: 'load', need: { what: 'context', id } };
  const created = new Date(summary.createdAt);
  if (section === undefined) {
    return { kind: 'dir', names: ['context.json', 'files', 'manifest.json'], mtime: created };
  }
  if (rest.length === 0 && section === 'manifest.json') return { kind: 'text', file: loaded.manifest };
  if (rest.length === 0 && section === 'context.json') return { kind: 'text', file: loaded.context };
  if (section !== 'files') return null;
  return inTree(loaded.tree, rest.join('/'), summary.createdAt);
}

/**
 * Resolves an absolute mount path ("/", "/current/src/a.ts", …) to a node, or
 * null when nothing is there (ENOENT).
 */
export function resolve(snap: ProjectSnapshot, fsPath: string): FsNode | null {
  const parts = fsPath.split('/').filter((p) => p !== '');
  const [top, ...rest] = parts;
  const rel = rest.join('/');
  switch (top) {
    case undefined:
      return { kind: 'dir', names: sorted(TOP_LEVEL), mtime: snap.startedAt };
    case 'current':
      return inTree(snap.current, rel, undefined);
    case 'history': {
      const [name, ...inner] = rest;
      if (name === undefined) {
        return { kind: 'dir', names: sorted(new Set(snap.historyPoints)), mtime: snap.startedAt };
      }
      const key = historyKey(name);
      if (key === null) return null;
      const tree = snap.trees.get(key);
      if (!tree) return { kind: 'load', need: { what: 'tree', at: key } };
      const node = inTree(tree, inner.join('/'), key);
      // The root of a point in time carries that time, even when the tree is empty.
      return node && inner.length === 0 && node.kind === 'dir' ? { ...node, mtime: new Date(key) } : node;
    }
    case 'shadows':
      return inShadows(snap, rel);
    case 'context':
      return inContexts(snap, rest);
    case 'streams': {
      const [name, ...inner] = rest;
      if (name === undefined) {
        return {
          kind: 'dir',
          names: sorted([...snap.streams.keys()].map(streamFileName)),
          mtime: snap.startedAt,
        };
      }
      const stream = streamName(name);
      if (inner.length > 0 || stream === null) return null;
      const file = snap.streams.get(stream);
      return file ? { kind: 'text', file } : { kind: 'load', need: { what: 'stream', name: stream } };
    }
    default:
      return null;
  }
}
