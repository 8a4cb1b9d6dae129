// The event store: validation in front, group commit for appends, gapless reads
// and subscriptions, snapshots; on either driver of the storage layer.
import type { Database, Migration, OpenOptions } from '../storage/database.js';
import { openDatabase } from '../storage/database.js';
import { AppendWriter } from './append-writer.js';
import { InvalidEventError } from './errors.js';
import { readAll, readStream } from './reads.js';
import { parseCommitNotice, type CommitNotice } from './commit-notice.js';
import { EVENTS_CHANNEL, eventMigrations } from './schema.js';
import { EventSubscription, type SubscriptionSettings } from './subscription.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  Snapshot,
  StoredEvent,
  SubscribeOptions,
  Subscription,
} from './types.js';
import {
  DEFAULT_MAX_EVENT_BYTES,
  DEFAULT_MAX_EVENTS_PER_APPEND,
  checkExpectedVersion,
  checkJson,
  checkStreamName,
  prepareEvents,
} from './validation.js';

export interface EventStoreOptions {
  /** Largest event (JSON of data + metadata), bytes. Default 1 MiB. */
  maxEventBytes?: number;
  maxEventsPerAppend?: number;
  /** Most events one group-commit transaction carries. */
  maxBatchEvents?: number;
  /** Group-commit transactions running at once (pg only; PGlite runs one at a time). Default 2. */
  maxConcurrentBatches?: number;
  subscription?: Partial<SubscriptionSettings>;
  /** Metadata every append starts from (an event's own metadata wins), e.g. the request it serves. */
  defaultMetadata?: () => Record<string, unknown> | undefined;
  /** Called after each append commits, with its event count and seconds from the call to the commit. */
  onAppended?: (events: number, seconds: number) => void;
}

class PostgresEventStore implements EventStore {
  private readonly writer: AppendWriter;
  private readonly subscriptions = new Set<EventSubscription>();
  private readonly settings: SubscriptionSettings;
  private unlisten: Promise<() => Promise<void>> | undefined;
  private closed = false;

  constructor(
    readonly db: Database,
    private readonly opts: EventStoreOptions,
    private readonly ownsDb: boolean,
  ) {
    const inFlight = db.driver === 'pglite' ? 1 : (opts.maxConcurrentBatches ?? 2);
    this.writer = new AppendWriter(db, opts.maxBatchEvents ?? 2000, inFlight, (types) =>
      this.wakeAll({ types }),
    );
    this.settings = { batchSize: 1000, pollIntervalMs: 1000, retryDelayMs: 500, ...opts.subscription };
  }

  async append(stream: string, events: NewEvent[], opts: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) throw new Error('event store is closed');
    checkStreamName(stream);
    const expected = checkExpectedVersion(opts.expectedVersion);
    const requires = opts.requires;
    if (requires !== undefined) {
      checkStreamName(requires.stream);
      if (requires.stream === stream || typeof checkExpectedVersion(requires.version) !== 'number') {
        throw new InvalidEventError(
          'invalid_expected_version',
          'requires names another stream and the version >= 0 it must be at',
        );
      }
    }
    const defaults = this.opts.defaultMetadata?.();
    const stamped = defaults
      ? events.map((e) => ({ ...e, metadata: { ...defaults, ...e.metadata } }))
      : events;
    const prepared = prepareEvents(stamped, {
      maxEventBytes: this.opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
      maxEventsPerAppend: this.opts.maxEventsPerAppend ?? DEFAULT_MAX_EVENTS_PER_APPEND,
    });
    const started = performance.now();
    const result = await (requires
      ? this.writer.appendRequiring(stream, prepared, expected, requires)
      : this.writer.append(stream, prepared, expected));
    this.opts.onAppended?.(prepared.length, (performance.now() - started) / 1000);
    return result;
  }

  async readStream(stream: string, opts?: { fromVersion?: number; limit?: number }): Promise<StoredEvent[]> {
    checkStreamName(stream);
    return readStream(this.db, stream, opts);
  }

  readAll(opts?: ReadAllOptions): ReturnType<EventStore['readAll']> {
    return readAll(this.db, opts);
  }

  subscribe(opts: SubscribeOptions, handler: (e: StoredEvent) => Promise<void> | void): Subscription {
    if (this.closed) throw new Error('event store is closed');
    this.unlisten ??= this.db.listen(EVENTS_CHANNEL, (p) => this.wakeAll(parseCommitNotice(p)));
    // A failed LISTEN leaves the timer poll; retried at the next subscribe.
    this.unlisten.catch(() => {
      this.unlisten = undefined;
    });
    const sub = new EventSubscription(
      this.db,
      opts,
      handler,
      this.settings,
      (s) => this.subscriptions.delete(s),
      this.unlisten,
    );
    this.subscriptions.add(sub);
    return sub;
  }

  async saveSnapshot(stream: string, version: number, state: unknown): Promise<void> {
    checkStreamName(stream);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new InvalidEventError('invalid_expected_version', 'snapshot version must be an integer >= 1');
    }
    checkJson(state, 'snapshot state');
    await this.db.query(
      `INSERT INTO snapshots (stream, version, state) VALUES ($1, $2, $3::text::jsonb)
       ON CONFLICT (stream, version) DO UPDATE SET state = excluded.state, created_at = now()`,
      [stream, version, JSON.stringify(state)],
    );
  }

  async loadSnapshot(stream: string): Promise<Snapshot | undefined> {
    checkStreamName(stream);
    const { rows } = await this.db.query<{ version: number; state: unknown }>(
      'SELECT version, state FROM snapshots WHERE stream = $1 ORDER BY version DESC LIMIT 1',
      [stream],
    );
    const r = rows[0];
    return r ? { stream, version: r.version, state: r.state } : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.flush();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    const unlisten = await this.unlisten?.catch(() => undefined);
    await unlisten?.().catch(() => undefined);
    if (this.ownsDb) await this.db.close();
  }

  private wakeAll(notice: CommitNotice): void {
    for (const s of this.subscriptions) s.wake(notice);
  }
}

/** An event store on an open database (which must have `eventMigrations` applied); close() leaves the database open. */
export function createEventStore(db: Database, opts: EventStoreOptions = {}): EventStore {
  return new PostgresEventStore(db, opts, false);
}

/** Opens the database with `eventMigrations` (plus `migrations`) and a store that closes it on close(). */
export async function openEventStore(
  opts: Omit<OpenOptions, 'migrations'> & { migrations?: Migration[] } & EventStoreOptions,
): Promise<EventStore> {
  const db = await openDatabase({ ...opts, migrations: [...eventMigrations, ...(opts.migrations ?? [])] });
  return new PostgresEventStore(db, opts, true);
}
