// Group commit: appends queue up while a transaction is committing; the next
// transaction takes all of them at once. Each caller's expected version is
// checked inside that transaction (rows of `streams` locked in name order, so
// replicas cannot deadlock), a conflicting caller gets its own error while the
// rest of the batch commits, and every caller settles only after COMMIT.
import type { Database, Queryable } from '../storage/database.js';
import { StoreUnavailableError } from '../storage/errors.js';
import { ConcurrencyError, InvalidEventError } from './errors.js';
import { EVENTS_CHANNEL } from './schema.js';
import type { AppendResult, ExpectedVersion } from './types.js';
import type { PreparedEvent } from './validation.js';

interface PendingAppend {
  stream: string;
  events: PreparedEvent[];
  expected: ExpectedVersion;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

type Outcome = { ok: AppendResult } | { err: unknown } | { sameAs: number };

interface ExistingRow {
  id: string;
  stream: string;
  version: number;
  position: string;
}

export function versionMatches(expected: ExpectedVersion, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 0;
  if (expected === 'stream_exists') return actual > 0;
  return expected === actual;
}

export class AppendWriter {
  private queue: PendingAppend[] = [];
  private running = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly maxBatchEvents: number,
    private readonly onCommitted: () => void,
  ) {}

  append(stream: string, events: PreparedEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ stream, events, expected, resolve, reject });
      if (!this.running) {
        this.running = true;
        void this.drain();
      }
    });
  }

  /** Resolves when every append queued so far has settled. */
  flush(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      let n = 0;
      let count = 0;
      while (
        n < this.queue.length &&
        (n === 0 || count + this.queue[n]!.events.length <= this.maxBatchEvents)
      ) {
        count += this.queue[n]!.events.length;
        n++;
      }
      await this.commit(this.queue.splice(0, n));
    }
    this.running = false;
    for (const fn of this.idle.splice(0)) fn();
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.db.transaction((tx) => this.write(tx, batch));
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
    if (outcomes.some((o) => 'ok' in o)) this.onCommitted();
    batch.forEach((p, i) => {
      let o = outcomes[i]!;
      if ('sameAs' in o) o = outcomes[o.sameAs]!;
      if ('ok' in o) p.resolve(o.ok);
      else if ('err' in o) p.reject(o.err);
    });
  }

  private async write(tx: Queryable, batch: PendingAppend[]): Promise<Outcome[]> {
    await tx.query('SET LOCAL synchronous_commit TO on');
    const givenIds = batch.flatMap((p) => p.events.filter((e) => e.idGiven).map((e) => e.id));
    const existing = new Map<string, ExistingRow>();
    if (givenIds.length > 0) {
      const { rows } = await tx.query<ExistingRow>(
        'SELECT id::text AS id, stream, version, position::text AS position FROM events WHERE id = ANY($1::uuid[])',
        [givenIds],
      );
      for (const r of rows) existing.set(r.id, r);
    }
    const names = [...new Set(batch.map((p) => p.stream))].sort();
    // Creates missing stream rows and locks all of them, in name order, in one statement.
    const { rows: locked } = await tx.query<{ stream: string; version: number }>(
      `INSERT INTO streams (stream, version) SELECT s, 0 FROM unnest($1::text[]) AS s
       ON CONFLICT (stream) DO UPDATE SET version = streams.version
       RETURNING stream, version`,
      [names],
    );
    const current = new Map(locked.map((r) => [r.stream, r.version]));

    const outcomes: Outcome[] = [];
    const claimedBy = new Map<string, number>();
    const rows = { id: [] as string[], stream: [] as string[], version: [] as number[] };
    const cols = { type: [] as string[], data: [] as string[], metadata: [] as string[] };
    const pending: { index: number; ids: string[] }[] = [];

    batch.forEach((p, index) => {
      const ids = p.events.map((e) => e.id);
      const dup = duplicateOf(p, ids, existing, claimedBy, batch);
      if (dup) {
        outcomes.push(dup);
        return;
      }
      const actual = current.get(p.stream) ?? 0;
      if (!versionMatches(p.expected, actual)) {
        outcomes.push({ err: new ConcurrencyError(p.stream, p.expected, actual) });
        return;
      }
      p.events.forEach((e, i) => {
        rows.id.push(e.id);
        rows.stream.push(p.stream);
        rows.version.push(actual + i + 1);
        cols.type.push(e.type);
        cols.data.push(e.data);
        cols.metadata.push(e.metadata);
        claimedBy.set(e.id, index);
      });
      current.set(p.stream, actual + p.events.length);
      outcomes.push({ ok: { stream: p.stream, version: actual + p.events.length, positions: [] } });
      pending.push({ index, ids });
    });

    if (rows.id.length === 0) return outcomes;
    const { rows: inserted } = await tx.query<{ id: string; position: string }>(
      `INSERT INTO events (id, stream, version, type, data, metadata)
       SELECT u.id, u.stream, u.version, u.type, u.data::jsonb, u.metadata::jsonb
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[])
         AS u(id, stream, version, type, data, metadata)
       RETURNING id::text AS id, position::text AS position`,
      [rows.id, rows.stream, rows.version, cols.type, cols.data, cols.metadata],
    );
    const positions = new Map(inserted.map((r) => [r.id, BigInt(r.position)]));
    for (const { index, ids } of pending) {
      const o = outcomes[index] as { ok: AppendResult };
      o.ok.positions = ids.map((id) => positions.get(id)!);
    }
    const touched = [...new Set(pending.map(({ index }) => batch[index]!.stream))];
    await tx.query(
      `UPDATE streams SET version = v.version
       FROM unnest($1::text[], $2::int[]) AS v(stream, version) WHERE streams.stream = v.stream`,
      [touched, touched.map((s) => current.get(s)!)],
    );
    // Delivered at COMMIT, to listeners on every replica.
    await tx.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, '']);
    return outcomes;
  }
}

/**
 * A retried append (all its ids already stored, or claimed earlier in this batch,
 * on the same stream) gets the original result. Ids reused any other way are an error.
 */
function duplicateOf(
  p: PendingAppend,
  ids: string[],
  existing: Map<string, ExistingRow>,
  claimedBy: Map<string, number>,
  batch: PendingAppend[],
): Outcome | undefined {
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
