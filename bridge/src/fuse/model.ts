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
