// Group commit: appends queue up while a batch is committing; the next batch
// takes all of them at once and runs as one statement, lighthouse_append_flat (see
// schema.ts), in its own transaction. Each caller's expected version is checked
// there against the locked stream row, a conflicting caller gets its own error
// while the rest of the batch commits, and every caller settles only after COMMIT.
import type { Database, Queryable } from '../storage/database.js';
import { StoreUnavailableError } from '../storage/errors.js';
import { ConcurrencyError, InvalidEventError } from './errors.js';
import type { AppendResult, ExpectedVersion } from './types.js';
import type { PreparedEvent } from './validation.js';

/** Joins events' JSON texts into one parameter each (see lighthouse_append_flat). */
const RECORD_SEPARATOR = '\u001e';

/** The shortest queue worth splitting over two connections (see pump). */
const SPLIT_MIN_EVENTS = 32;

interface PendingAppend {
  stream: string;
  events: PreparedEvent[];
  expected: ExpectedVersion;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

type Outcome = { ok: AppendResult } | { err: unknown } | { sameAs: number };

/** A request's row (r_req set; r_version: its stream's version before it) or an inserted event's. */
interface BatchRow {
  r_req: number | null;
  r_ok: boolean;
  r_version: number;
  r_stream: string | null;
  r_position: string | null;
}

interface ExistingRow {
  id: string;
  stream: string;
  version: number;
  position: string;
}

export class AppendWriter {
  private queue: PendingAppend[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly maxBatchEvents: number,
    private readonly maxInFlight: number,
    /** Told the distinct types of the events each batch committed. */
    private readonly onCommitted: (types: string[]) => void,
  ) {}

  append(stream: string, events: PreparedEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ stream, events, expected, resolve, reject });
      this.schedule();
    });
  }

  /**
   * One append, alone in a transaction that first locks the rows of its stream
   * and of `requires.stream` (one statement, in name order, as
   * lighthouse_append_flat locks rows, so no two transactions wait on each other
   * in a cycle) and checks the latter's version. The lock is held until COMMIT:
   * an append to that stream arriving meanwhile waits for this one; one committed
   * before is seen (READ COMMITTED reads the row as committed), and refuses this.
   */
  async appendRequiring(
    stream: string,
    events: PreparedEvent[],
    expected: ExpectedVersion,
    requires: { stream: string; version: number },
  ): Promise<AppendResult> {
    const p: PendingAppend = { stream, events, expected, resolve: () => {}, reject: () => {} };
    // Counted with the batches: it holds a connection as they do, and flush() waits for it.
    this.inFlight++;
    try {
      const result = await this.transactRequiring(p, requires);
      this.onCommitted([...new Set(events.map((e) => e.type))]);
      return result;
    } finally {
      this.inFlight--;
      if (this.queue.length > 0) this.schedule();
      else if (this.inFlight === 0) for (const fn of this.idle.splice(0)) fn();
    }
  }

  private transactRequiring(
    p: PendingAppend,
    requires: { stream: string; version: number },
  ): Promise<AppendResult> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ stream: string; version: number }>(
        `INSERT INTO streams (stream, version) SELECT x, 0 FROM unnest($1::text[]) AS x ORDER BY 1
         ON CONFLICT (stream) DO UPDATE SET version = streams.version
         RETURNING stream, version`,
        [[p.stream, requires.stream]],
      );
      const actual = rows.find((r) => r.stream === requires.stream)?.version ?? 0;
      if (actual !== requires.version) throw new ConcurrencyError(requires.stream, requires.version, actual);
      const [outcome] = await this.insert([p], new Map(), tx);
      if (outcome && 'ok' in outcome) return outcome.ok;
      throw (outcome as { err?: unknown } | undefined)?.err ?? new Error('append outcome missing');
    });
  }

  /** Resolves when every append queued so far has settled. */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  // Batches are cut on the next turn of the event loop, so that callers woken by
  // the previous commit have queued their next append by then.
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      // A long queue is spread over the free connections: one batch's commit then
      // overlaps the next one's statement, and its callers' next work in Node. A
      // short one goes whole: its statement is brief next to a commit's WAL flush.
      const queued = this.queue.reduce((sum, p) => sum + p.events.length, 0);
      const parts = queued >= SPLIT_MIN_EVENTS ? this.maxInFlight - this.inFlight : 1;
      const limit = Math.min(this.maxBatchEvents, Math.ceil(queued / parts));
      let n = 0;
      let count = 0;
      while (n < this.queue.length && (n === 0 || count + this.queue[n]!.events.length <= limit)) {
        count += this.queue[n]!.events.length;
        n++;
      }
      this.inFlight++;
      void this.commit(this.queue.splice(0, n)).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
        else if (this.inFlight === 0) for (const fn of this.idle.splice(0)) fn();
      });
    }
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.write(batch);
    } catch (err) {
      // One caller's unexpected failure (e.g. an id inserted meanwhile by another replica)
      // must not fail the others: retry each alone. An outage fails them all.
      if (batch.length > 1 && !(err instanceof StoreUnavailableError)) {
        for (const p of batch) await this.commit([p]);
        return;
      }
      for (const p of batch) p.reject(err);
      return;
    }
    const committed = new Set(
      batch.flatMap((p, i) => ('ok' in outcomes[i]! ? p.events.map((e) => e.type) : [])),
    );
    if (committed.size > 0) this.onCommitted([...committed]);
    batch.forEach((p, i) => {
      let o = outcomes[i]!;
      if ('sameAs' in o) o = outcomes[o.sameAs]!;
      if ('ok' in o) p.resolve(o.ok);
      else if ('err' in o) p.reject(o.err);
    });
  }

  // Retries are rare, so a batch goes in without looking for them first. A retry is
  // then either refused by its expected version (it wrote nothing, and is looked up
  // afterwards) or fails the whole statement at the unique index on ids (nothing
  // written), and the batch is run again with its stored ids looked up. A retry
  // racing its original on another replica fails that second run too, and is
  // recognised when run again alone (see commit).
  private async write(batch: PendingAppend[]): Promise<Outcome[]> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.insert(batch, new Map());
    } catch (err) {
      if (!isStoredIdConflict(err)) throw err;
      return this.insert(batch, await this.storedIds(batch));
    }
    const refused = new Set(
      batch.filter(
        (p, i) =>
          p.events.some((e) => e.idGiven) &&
          (outcomes[i] as { err?: unknown }).err instanceof ConcurrencyError,
      ),
    );
    if (refused.size === 0) return outcomes;
    const stored = await this.storedIds([...refused]);
    return outcomes.map((o, i) =>
      refused.has(batch[i]!) ? (duplicateOf(batch[i]!, stored, new Map(), batch) ?? o) : o,
    );
  }

  private async storedIds(batch: PendingAppend[]): Promise<Map<string, ExistingRow>> {
    const ids = givenIds(batch);
    const existing = new Map<string, ExistingRow>();
    if (ids.length === 0) return existing;
    const { rows } = await this.db.query<ExistingRow>(
      'SELECT id::text AS id, stream, version, position::text AS position FROM events WHERE id = ANY($1::uuid[])',
      [ids],
    );
    for (const r of rows) existing.set(r.id, r);
    return existing;
  }

  private async insert(
    batch: PendingAppend[],
    existing: Map<string, ExistingRow>,
    db: Queryable = this.db,
  ): Promise<Outcome[]> {
    const outcomes: (Outcome | undefined)[] = [];
    const claimedBy = new Map<string, number>();
    const submitted: number[] = [];
    const args = {
      streams: [] as string[],
      expected: [] as string[],
      counts: [] as number[],
      ids: [] as string[],
      req: [] as number[],
      k: [] as number[],
      types: [] as string[],
      data: [] as string[],
      metadata: [] as string[],
    };
    batch.forEach((p, index) => {
      const dup = duplicateOf(p, existing, claimedBy, batch);
      outcomes.push(dup);
      if (dup) return;
      submitted.push(index);
      args.streams.push(p.stream);
      args.expected.push(String(p.expected));
      args.counts.push(p.events.length);
      p.events.forEach((e, k) => {
        claimedBy.set(e.id, index);
        args.ids.push(e.id);
        args.req.push(submitted.length);
        args.k.push(k + 1);
        args.types.push(e.type);
        args.data.push(e.data);
        args.metadata.push(e.metadata);
      });
    });
    if (submitted.length > 0) {
      const { rows } = await db.query<BatchRow>(
        `SELECT r_req, r_ok, r_version, r_stream, r_position
         FROM lighthouse_append_flat($1::text[], $2::text[], $3::int[], $4::uuid[], $5::int[], $6::int[],
                                     $7::text[], $8::text, $9::text)`,
        [
          args.streams,
          args.expected,
          args.counts,
          args.ids,
          args.req,
          args.k,
          args.types,
          args.data.join(RECORD_SEPARATOR),
          args.metadata.join(RECORD_SEPARATOR),
        ],
      );
      const positions = new Map<string, bigint>();
      for (const r of rows)
        if (r.r_req === null) positions.set(`${r.r_stream}\u0000${r.r_version}`, BigInt(r.r_position!));
      for (const r of rows) {
        if (r.r_req === null) continue;
        const index = submitted[r.r_req - 1]!;
        const p = batch[index]!;
        outcomes[index] = r.r_ok
          ? {
              ok: {
                stream: p.stream,
                version: r.r_version + p.events.length,
                positions: p.events.map((_, k) => positions.get(`${p.stream}\u0000${r.r_version + k + 1}`)!),
              },
            }
          : { err: new ConcurrencyError(p.stream, p.expected, r.r_version) };
      }
    }
    return outcomes.map((o) => o ?? { err: new Error('append outcome missing') });
  }
}

function givenIds(batch: PendingAppend[]): string[] {
  return batch.flatMap((p) => p.events.filter((e) => e.idGiven).map((e) => e.id));
}

/** A unique violation on events.id: some event of the batch is stored already. */
function isStoredIdConflict(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === 'events_id_key';
}

/**
 * A retried append (all its ids already stored, or claimed earlier in this batch,
 * on the same stream) gets the original result. Ids reused any other way are an error.
 */
function duplicateOf(
  p: PendingAppend,
  existing: Map<string, ExistingRow>,
  claimedBy: Map<string, number>,
  batch: PendingAppend[],
): Outcome | undefined {
  const ids = p.events.map((e) => e.id);
  const stored = ids.map((id) => existing.get(id)).filter((r) => r !== undefined);
  if (stored.length === ids.length && stored.every((r) => r.stream === p.stream)) {
    return {
      ok: {
        stream: p.stream,
        version: Math.max(...stored.map((r) => r.version)),
        positions: stored.map((r) => BigInt(r.position)),
      },
    };
  }
  const claimers = new Set(ids.map((id) => claimedBy.get(id)));
  if (stored.length === 0 && claimers.size === 1 && !claimers.has(undefined)) {
    const first = [...claimers][0]!;
    if (batch[first]!.stream === p.stream && batch[first]!.events.length === ids.length)
      return { sameAs: first };
  }
  if (stored.length > 0 || claimers.size > 1 || !claimers.has(undefined)) {
    return { err: new InvalidEventError('invalid_data', 'event ids already used by a different append') };
  }
  return undefined;
}
