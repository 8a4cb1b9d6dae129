// What the sidecar reads from the bridge (the project-state contract of
// issue 7). The HTTP implementation is in bridge-api.ts; tests may give the
// cache any implementation.
import type {
  Annotation,
  ContextPackage,
  ContextSummary,
  FileChange,
  FileMeta,
  StreamEvent,
} from './model.js';

export interface ProjectApi {
  /** Files at a time (now when `at` is absent), sorted by path. */
  tree(at?: string): Promise<FileMeta[]>;
  /** A file's bytes at a time, or null when it did not exist then. */
  file(path: string, at?: string): Promise<Buffer | null>;
  fileHistory(path: string): Promise<FileChange[]>;
  /** Recent change points, newest first. */
  history(limit: number): Promise<string[]>;
  annotations(path: string): Promise<Annotation[]>;
  contexts(): Promise<ContextSummary[]>;
  context(id: string): Promise<ContextPackage | null>;
  /** Events of one stream after a position (all when absent), oldest first. */
  streamEvents(name: string, after?: string): Promise<StreamEvent[]>;
}

/** A live project event from the bridge's event stream. */
export type ProjectEvent =
  | { type: 'FileChanged'; at: string; path: string; size: number; sha256: string; content?: Buffer }
  | { type: 'FileDeleted'; at: string; path: string }
  | { type: 'AnnotationAdded'; at: string; path: string }
  | { type: 'ContextCreated'; at: string; id: string; name: string };
