// Reads: one stream by version, or everything in global (txid, position) order
// below the snapshot horizon, so no later commit can land behind a checkpoint.
import type { Queryable } from '../storage/database.js';
import { EVENT_COLUMNS, likePrefix, maxCheckpoint, toStoredEvent, type EventRow } from './rows.js';
import type { Checkpoint, ReadAllOptions, StoredEvent } from './types.js';
import { START } from './types.js';

export const DEFAULT_READ_LIMIT = 1000;
export const MAX_READ_LIMIT = 10_000;

function checkLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_READ_LIMIT;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_READ_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_READ_LIMIT}`);
  }
  return n;
}

export async function readStream(
  db: Queryable,
  stream: string,
  opts: { fromVersion?: number; limit?: number } = {},
): Promise<StoredEvent[]> {
  const from = opts.fromVersion ?? 1;
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError('fromVersion must be an integer >= 0');
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.stream = $1 AND e.version >= $2 ORDER BY e.version LIMIT $3`,
    [stream, from, checkLimit(opts.limit)],
  );
  return rows.map(toStoredEvent);
}

type HorizonRow = Partial<EventRow> & { horizon: string };

/**
 * Events after `opts.after` in (txid, position) order, only from transactions
 * older than every transaction still running. The returned checkpoint covers
 * what was read; when fewer than `limit` matched, it moves up to the horizon,
 * so filtered subscribers do not rescan rows they skipped.
 */
export async function readAll(
  db: Queryable,
  opts: ReadAllOptions = {},
): Promise<{ events: StoredEvent[]; checkpoint: Checkpoint }> {
  const after = opts.after ?? START;
  const limit = checkLimit(opts.limit);
  const params: unknown[] = [after.txid.toString(), after.position.toString(), limit];
  const where = ['(e.txid, e.position) > ($1::xid8, $2::bigint)', 'e.txid < h.horizon'];
  if (opts.types) {
    params.push(opts.types);
    where.push(`e.type = ANY($${params.length}::text[])`);
  }
  if (opts.streamPrefix !== undefined) {
    params.push(likePrefix(opts.streamPrefix));
    where.push(`e.stream LIKE $${params.length}`);
  }
  if (opts.from) {
    params.push(opts.from.toISOString());
    where.push(`e.created_at >= $${params.length}::timestamptz`);
  }
  if (opts.to) {
    params.push(opts.to.toISOString());
    where.push(`e.created_at < $${params.length}::timestamptz`);
  }
  const { rows } = await db.query<HorizonRow>(
    `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon)
     SELECT h.horizon::text AS horizon, s.* FROM h LEFT JOIN LATERAL (
       SELECT ${EVENT_COLUMNS} FROM events e
       WHERE ${where.join(' AND ')}
       ORDER BY e.txid, e.position LIMIT $3
     ) s ON true`,
    params,
  );
  const first = rows[0];
  if (!first) throw new Error('horizon query returned no row');
  const events =
    first.id === null || first.id === undefined ? [] : rows.map((r) => toStoredEvent(r as EventRow));
  const last = events.at(-1);
  let checkpoint = last ? { txid: last.txid, position: last.position } : after;
  if (events.length < limit)
    checkpoint = maxCheckpoint(checkpoint, { txid: BigInt(first.horizon), position: 0n });
  return { events, checkpoint: maxCheckpoint(checkpoint, after) };
}
