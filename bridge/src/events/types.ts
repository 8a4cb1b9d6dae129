// The event store's contract: what callers append, what they read back.
import type { Database } from '../storage/database.js';

/** 'any', 'no_stream', 'stream_exists', or the stream's current version (first event is version 1; 0 = empty). */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

export interface NewEvent {
  /** UUID; give one to make a retried append idempotent. */
  id?: string;
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}

/** What an append requires besides its events. */
export interface AppendOptions {
  expectedVersion?: ExpectedVersion;
  /**
   * Another stream that must be at exactly this version (0 = no such stream)
   * when the append commits, and stays there until it has: an append to it (on
   * any replica) committed first fails this one with a ConcurrencyError naming
   * it; one arriving meanwhile waits for this one's commit. Such an append runs
   * alone in its own transaction, outside group commit; ids given are not
   * looked up as a retry's.
   */
  requires?: { stream: string; version: number };
}

export interface StoredEvent {
  id: string;
  /** Global position (identity column): unique, but assigned before commit, so not commit order. */
  position: bigint;
  /** Id of the writing transaction: (txid, position) is the order subscribers see. */
  txid: bigint;
  stream: string;
  version: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/** Everything at or before (txid, position) has been read. */
export interface Checkpoint {
  txid: bigint;
  position: bigint;
}

export const START: Checkpoint = Object.freeze({ txid: 0n, position: 0n });

export interface AppendResult {
  stream: string;
  /** The stream's version after this append (the version of its last event). */
  version: number;
  positions: bigint[];
}

export interface ReadAllOptions {
  after?: Checkpoint;
  limit?: number;
  types?: string[];
  streamPrefix?: string;
  /** created_at >= from */
  from?: Date;
  /** created_at < to */
  to?: Date;
  /**
   * Only the events this agent may read (`visibility.ts`), left out in the query
   * itself, so neither the page nor its checkpoint tells where hidden ones are.
   * Such a read looks at most `visibilityScan(limit)` events past `after`: a page
   * with fewer events ends there (and says so, see `more`).
   */
  readableBy?: string;
}

/** A page of readAll: its events, where it ended, and whether events may follow at once. */
export interface ReadAllPage {
  events: StoredEvent[];
  checkpoint: Checkpoint;
  /** The page is full, or a read for one agent ended its scan early. */
  more: boolean;
}

export interface SubscribeOptions {
  from?: Checkpoint | 'start' | 'end';
  /** Durable checkpoint name: a subscription with a stored checkpoint resumes there, ignoring `from`. */
  name?: string;
  types?: string[];
  streamPrefix?: string;
  /** Told about store errors and handler errors; the subscription retries the same event after a pause. */
  onError?: (err: unknown) => void;
}

export interface Subscription {
  readonly checkpoint: Checkpoint;
  close(): Promise<void>;
}

export interface Snapshot {
  stream: string;
  version: number;
  state: unknown;
}

export interface EventStore {
  append(stream: string, events: NewEvent[], opts?: AppendOptions): Promise<AppendResult>;
  readStream(stream: string, opts?: { fromVersion?: number; limit?: number }): Promise<StoredEvent[]>;
  readAll(opts?: ReadAllOptions): Promise<ReadAllPage>;
  subscribe(opts: SubscribeOptions, handler: (e: StoredEvent) => Promise<void> | void): Subscription;
  saveSnapshot(stream: string, version: number, state: unknown): Promise<void>;
  loadSnapshot(stream: string): Promise<Snapshot | undefined>;
  readonly db: Database;
  /** Flushes pending appends and stops subscriptions (and closes the database if the store opened it). */
  close(): Promise<void>;
}
