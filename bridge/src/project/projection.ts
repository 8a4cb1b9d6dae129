// The project state folded from events: every version of every file (so the
// tree at any past time can be answered), annotations and context packages.
// Pure and in memory; fed in global order by the store subscription. What it
// holds is estimated (heldBytes), so writers can refuse growth past a cap.
import { fileStream } from './path.js';

export const PROJECT_EVENT_TYPES = [
  'FileChanged',
  'FileDeleted',
  'AnnotationAdded',
  'ContextCreated',
] as const;

export interface ProjectEvent {
  stream: string;
  type: string;
  data: unknown;
  version: number;
  createdAt: Date;
}

export interface FileChangedData {
  path: string;
  /** The bytes, inline; or `blob`, the sha256 of a blob stored in chunks (large files). */
  contentBase64?: string;
  blob?: string;
  sha256: string;
  size: number;
  agentId: string;
  sessionId?: string | null;
}
export interface FileDeletedData {
  path: string;
  agentId: string;
  sessionId?: string | null;
}
export type Severity = 'info' | 'warning' | 'error';
export interface Annotation {
  id: string;
  path: string;
  text: string;
  severity: Severity;
  line: number | null;
  agentId: string;
  at: string;
}
export interface ContextPackage {
  id: string;
  name: string;
  note: string;
  files: string[];
  agentId: string;
  createdAt: string;
}

export interface FileVersion {
  version: number;
  at: Date;
  kind: 'created' | 'modified' | 'deleted';
  size: number;
  sha256: string | null;
  agentId: string;
  sessionId: string | null;
  /** The bytes of a file's newest version only; older bytes are read from the store when asked for. */
  content: Buffer | null;
}

export interface TreeEntry {
  path: string;
  size: number;
  sha256: string;
  mtime: string;
}

const isString = (v: unknown) => typeof v === 'string';
/** A string's length; 0 for an optional field absent (or, in an event from elsewhere, of the wrong type). */
const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);

/**
 * Buffers under 4 KiB are slices of a shared 8 KiB slab, which stays alive while any
 * slice of it does: a file's bytes kept for long would keep up to 8 KiB each, not their size.
 */
function unpooled(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b;
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

/**
 * Heap one kept version, annotation or context takes besides its variable strings and
 * bytes (the object, its Date, sha256 and agent id, its slots), and what a file's first
 * version adds (its map entry, versions array, and the Buffer of its newest bytes).
 * Measured on Node 24: 304 and about 450 bytes.
 */
export const ENTRY_BYTES = 300;
export const FILE_BYTES = 450;
/** A folder's entry in the live-files count, besides its path. */
export const FOLDER_BYTES = 80;

/** The folders `path` lies in, outermost first: `a/b/c` → `a`, `a/b`. */
function foldersOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

export const ANNOTATIONS_STREAM = 'annotations';
export const contextStream = (id: string) => `context:${id}`;

/**
 * The one stream the bridge writes an event of this type (and data) to; undefined
 * for anything else. Other streams are open to agents through the events API:
 * a `FileChanged` appended there must not reach the project view.
 */
export function projectStreamOf(type: string, data: unknown): string | undefined {
  const d = data as { path?: unknown; id?: unknown } | null;
  switch (type) {
    case 'FileChanged':
    case 'FileDeleted':
      return typeof d?.path === 'string' ? fileStream(d.path) : undefined;
    case 'AnnotationAdded':
      return ANNOTATIONS_STREAM;
    case 'ContextCreated':
      return typeof d?.id === 'string' ? contextStream(d.id) : undefined;
    default:
      return undefined;
  }
}

/**
 * The writers validate everything they append, but the store is shared: an
 * event of the right type with the wrong shape is skipped rather than allowed
 * to wedge the subscription or poison the view.
 */
function wellFormed(event: ProjectEvent): boolean {
  const d = event.data as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null) return false;
  switch (event.type) {
    case 'FileChanged':
      return (
        isString(d.path) &&
        (isString(d.contentBase64) || isString(d.blob)) &&
        isString(d.sha256) &&
        typeof d.size === 'number' &&
        isString(d.agentId)
      );
    case 'FileDeleted':
      return isString(d.path) && isString(d.agentId);
    case 'AnnotationAdded':
      return isString(d.id) && isString(d.path) && isString(d.text);
    case 'ContextCreated':
      return isString(d.id) && isString(d.name) && Array.isArray(d.files) && d.files.every(isString);
    default:
      return true;
  }
}

export class ProjectProjection {
  private readonly files = new Map<string, FileVersion[]>();
  private readonly annotationsByPath = new Map<string, Annotation[]>();
  private readonly contexts = new Map<string, ContextPackage>();
  /** Live files below each folder that has any: a path is a file or a folder, never both. */
  private readonly liveBelow = new Map<string, number>();
  /** Change times, oldest first. */
  private readonly changeTimes: Date[] = [];
  private held = 0;

  /** Estimated bytes of memory this view holds (inline bytes of the newest versions, every entry). */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Estimated bytes applying this (well-formed, new) event adds to the view; negative
   * when it frees more, as a file's new version does when its previous bytes were larger.
   */
  growth(type: string, data: unknown): number {
    switch (type) {
      case 'FileChanged':
      case 'FileDeleted': {
        const d = data as { path: string; contentBase64?: unknown; sessionId?: unknown };
        const versions = this.files.get(d.path);
        const inline = typeof d.contentBase64 === 'string' ? Buffer.byteLength(d.contentBase64, 'base64') : 0;
        const dropped = versions?.at(-1)?.content?.length ?? 0;
        const newPath = versions ? 0 : FILE_BYTES + d.path.length;
        return ENTRY_BYTES + len(d.sessionId) + inline - dropped + newPath + this.folderGrowth(type, d.path);
      }
      case 'AnnotationAdded': {
        const a = data as Annotation;
        return ENTRY_BYTES + a.path.length + a.text.length;
      }
      case 'ContextCreated': {
        const c = data as ContextPackage;
        const files = c.files.reduce((n, f) => n + 8 + f.length, 0);
        return ENTRY_BYTES + c.name.length + len(c.note) + files;
      }
      default:
        return 0;
    }
  }

  /** Bytes the live-files count gains (loses) as a file at `path` appears (goes). */
  private folderGrowth(type: string, path: string): number {
    const live = this.fileAt(path) !== undefined;
    const bytes = (folders: string[]) => folders.reduce((n, f) => n + FOLDER_BYTES + f.length, 0);
    if (type === 'FileChanged' && !live) return bytes(foldersOf(path).filter((f) => !this.liveBelow.has(f)));
    if (type === 'FileDeleted' && live)
      return -bytes(foldersOf(path).filter((f) => this.liveBelow.get(f) === 1));
    return 0;
  }

  /** Counts a file that appears (+1) or goes (-1) in every folder it lies in. */
  private countBelow(path: string, delta: 1 | -1): void {
    for (const folder of foldersOf(path)) {
      const n = (this.liveBelow.get(folder) ?? 0) + delta;
      if (n > 0) this.liveBelow.set(folder, n);
      else this.liveBelow.delete(folder);
    }
  }

  /**
   * Why a file cannot be written at `path` now, or undefined: the path is a folder
   * holding live files, or one of the folders it lies in is a live file. (The FUSE
   * view could show only one of the two.)
   */
  pathConflict(path: string): string | undefined {
    const below = this.liveBelow.get(path);
    if (below) return `${path} is a folder holding ${below} file${below === 1 ? '' : 's'}`;
    const file = foldersOf(path).find((f) => this.fileAt(f) !== undefined);
    return file === undefined ? undefined : `${file} is a file, so it cannot hold ${path}`;
  }

  /**
   * Folds one event in. Idempotent: the writer applies its own event at once
   * (read-your-writes) and the subscription delivers it again later.
   */
  apply(event: ProjectEvent): void {
    if (event.stream !== projectStreamOf(event.type, event.data) || !wellFormed(event)) return;
    if (event.type === 'FileChanged' || event.type === 'FileDeleted') {
      const last = this.files.get((event.data as { path: string }).path)?.at(-1);
      if (last && last.version >= event.version) return;
    }
    const d = event.data as { id: string; path: string };
    if (event.type === 'AnnotationAdded' && this.annotationsByPath.get(d.path)?.some((x) => x.id === d.id))
      return;
    if (event.type === 'ContextCreated' && this.contexts.has(d.id)) return;
    this.held += this.growth(event.type, event.data);
    switch (event.type) {
      case 'FileChanged': {
        const d = event.data as FileChangedData;
        const versions = this.versionsOf(d.path);
        const previous = versions.at(-1);
        if (previous) previous.content = null;
        const created = !previous || previous.kind === 'deleted';
        if (created) this.countBelow(d.path, 1);
        versions.push({
          version: event.version,
          at: event.createdAt,
          kind: created ? 'created' : 'modified',
          size: d.size,
          sha256: d.sha256,
          agentId: d.agentId,
          sessionId: d.sessionId ?? null,
          // A blob's bytes are read from the store when asked for, not kept here.
          content: d.contentBase64 !== undefined ? unpooled(Buffer.from(d.contentBase64, 'base64')) : null,
        });
        this.noteChange(event.createdAt);
        break;
      }
      case 'FileDeleted': {
        const d = event.data as FileDeletedData;
        const versions = this.versionsOf(d.path);
        const previous = versions.at(-1);
        if (previous) previous.content = null;
        if (previous && previous.kind !== 'deleted') this.countBelow(d.path, -1);
        versions.push({
          version: event.version,
          at: event.createdAt,
          kind: 'deleted',
          size: 0,
          sha256: null,
          agentId: d.agentId,
          sessionId: d.sessionId ?? null,
          content: null,
        });
        this.noteChange(event.createdAt);
        break;
      }
      case 'AnnotationAdded': {
        // The store's clock, not the writer's: one time base for files, annotations and contexts.
        const a = { ...(event.data as Annotation), at: event.createdAt.toISOString() };
        const list = this.annotationsByPath.get(a.path) ?? [];
        list.push(a);
        this.annotationsByPath.set(a.path, list);
        break;
      }
      case 'ContextCreated': {
        const c = { ...(event.data as ContextPackage), createdAt: event.createdAt.toISOString() };
        this.contexts.set(c.id, c);
        break;
      }
    }
  }

  private noteChange(at: Date): void {
    // Kept sorted: events of different files can arrive slightly out of time order.
    let i = this.changeTimes.length;
    while (i > 0 && this.changeTimes[i - 1]! > at) i--;
    this.changeTimes.splice(i, 0, at);
  }

  private versionsOf(path: string): FileVersion[] {
    let v = this.files.get(path);
    if (!v) this.files.set(path, (v = []));
    return v;
  }

  /** The version of `path` in effect at `at` (default now), or undefined when absent then. */
  fileAt(path: string, at?: Date): FileVersion | undefined {
    const versions = this.files.get(path);
    if (!versions) return undefined;
    let found: FileVersion | undefined;
    for (const v of versions) {
      if (at && v.at > at) break;
      found = v;
    }
    return found && found.kind !== 'deleted' ? found : undefined;
  }

  tree(at?: Date): TreeEntry[] {
    const entries: TreeEntry[] = [];
    for (const path of this.files.keys()) {
      const v = this.fileAt(path, at);
      if (v) entries.push({ path, size: v.size, sha256: v.sha256!, mtime: v.at.toISOString() });
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  history(path: string): Omit<FileVersion, 'content'>[] {
    return (this.files.get(path) ?? []).map(({ content: _c, ...rest }) => rest);
  }

  /** Distinct times of recent changes, newest first. */
  historyPoints(limit: number): string[] {
    const out: string[] = [];
    for (let i = this.changeTimes.length - 1; i >= 0 && out.length < limit; i--) {
      const iso = this.changeTimes[i]!.toISOString();
      if (out.at(-1) !== iso) out.push(iso);
    }
    return out;
  }

  annotations(path?: string): Annotation[] {
    if (path !== undefined) return [...(this.annotationsByPath.get(path) ?? [])];
    return [...this.annotationsByPath.values()].flat();
  }

  listContexts(): Pick<ContextPackage, 'id' | 'name' | 'createdAt'>[] {
    return [...this.contexts.values()].map(({ id, name, createdAt }) => ({ id, name, createdAt }));
  }

  /** A context package with each file as it was when the package was made. */
  context(
    id: string,
  ): (ContextPackage & { resolved: { path: string; size: number; sha256: string }[] }) | undefined {
    const c = this.contexts.get(id);
    if (!c) return undefined;
    const at = new Date(c.createdAt);
    const resolved = c.files.flatMap((path) => {
      const v = this.fileAt(path, at);
      return v ? [{ path, size: v.size, sha256: v.sha256! }] : [];
    });
    return { ...c, resolved };
  }
}
