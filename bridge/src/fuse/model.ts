// The project state as the bridge's API describes it (issue 7's contract),
// held in memory by the sidecar. Plain data: the tree resolver and the JSON
// renderers are pure functions over these types.

export interface FileMeta {
  path: string;
  size: number;
  sha256: string;
  mtime: Date;
}

export interface Annotation {
  id: string;
  path: string;
  text: string;
  severity: string;
  line: number | null;
  agentId: string;
  at: string;
}

export interface FileChange {
  version: number;
  at: string;
  kind: 'created' | 'modified' | 'deleted';
  size: number;
  sha256: string;
  agentId: string;
  sessionId: string | null;
}

export interface ContextSummary {
  id: string;
  name: string;
  createdAt: string;
}

export interface ContextPackage extends ContextSummary {
  note: string;
  agentId: string;
  files: { path: string; size: number; sha256: string }[];
}

/** One event of an event stream, as shown in /streams/<name>. */
export interface StreamEvent {
  position: string;
  type: string;
  at: string;
  data: unknown;
}

/** A directory of a file tree: child names and the newest mtime below it. */
export interface DirEntry {
  names: Set<string>;
  mtime: Date;
}

/** Files of one point in time plus the directories they imply ('' is the root). */
export interface FileTree {
  files: Map<string, FileMeta>;
  dirs: Map<string, DirEntry>;
}

/** A rendered, immutable text file (JSON views, stream logs). */
export interface TextFile {
  bytes: Buffer;
  mtime: Date;
  /**
   * Stream logs only: how many bytes were dropped from the head to bound memory.
   * `bytes` starts at this offset of the file; the dropped head reads as NUL
   * bytes, like a punched hole, so offsets (and `tail -f`) stay valid.
   */
  dropped?: number;
}

/** What reading a file needs: its bytes, and for a stream log the dropped head. */
export type ReadableText = Pick<TextFile, 'bytes' | 'dropped'>;

/** The size a text file shows: its dropped head plus what is kept. */
export const textSize = (f: ReadableText) => (f.dropped ?? 0) + f.bytes.length;

/** Copies the bytes of `f` at [pos, pos + len) into `buf`; the dropped head reads as zeros. */
export function readText(f: ReadableText, buf: Buffer, len: number, pos: number): number {
  const end = Math.min(textSize(f), pos + len);
  if (pos >= end) return 0;
  const dropped = f.dropped ?? 0;
  const hole = Math.max(0, Math.min(end, dropped) - pos);
  buf.fill(0, 0, hole);
  const from = Math.max(pos, dropped) - dropped;
  const copied = end > dropped ? f.bytes.copy(buf, hole, from, end - dropped) : 0;
  return hole + copied;
}

export interface ProjectSnapshot {
  /** When the sidecar started: mtime of the fixed top-level directories. */
  startedAt: Date;
  current: FileTree;
  /** Recent change points, newest first, as the API returned them. */
  historyPoints: string[];
  /** Trees at past times, keyed by canonical ISO time; loaded on demand. */
  trees: Map<string, FileTree>;
  /** Rendered /shadows/<path>.json, keyed by file path; loaded on demand. */
  shadows: Map<string, TextFile>;
  contexts: Map<string, ContextSummary>;
  /** Context packages and their rendered JSON files, loaded on demand. */
  packages: Map<string, { pkg: ContextPackage; tree: FileTree; manifest: TextFile; context: TextFile }>;
  /** Stream logs by name; names listed in /streams. */
  streams: Map<string, TextFile>;
}
