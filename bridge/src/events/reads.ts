// Reads: one stream by version, or everything in global (txid, position) order
// below the snapshot horizon, so no later commit can land behind a checkpoint.
import type { Queryable } from '../storage/database.js';
import { EVENT_COLUMNS, likePrefix, maxCheckpoint, toStoredEvent, type EventRow } from './rows.js';
import type { Checkpoint, ReadAllOptions, ReadAllPage, StoredEvent } from './types.js';
import { readableSql } from './visibility.js';
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
type ScanRow = HorizonRow & {
  scanned: number | null;
  tail_txid: string | null;
  tail_position: string | null;
};

/** How many events past `after` a read for one agent looks at, for a page of `limit`. */
export function visibilityScan(limit: number): number {
  return Math.min(MAX_READ_LIMIT, Math.max(1000, 4 * limit));
}

/**
 * Events after `opts.after` in (txid, position) order, only from transactions
 * older than every transaction still running. The returned checkpoint covers
 * what was read; when fewer than `limit` matched, it moves up to the horizon,
 * so filtered subscribers do not rescan rows they skipped.
 */
export async function readAll(db: Queryable, opts: ReadAllOptions = {}): Promise<ReadAllPage> {
  const after = opts.after ?? START;
  const limit = checkLimit(opts.limit);
  const params: unknown[] = [after.txid.toString(), after.position.toString(), limit];
  const where = ['(e.txid, e.position) > ($1::xid8, $2::bigint)', 'e.txid < h.horizon'];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (opts.types) where.push(`e.type = ANY(${param(opts.types)}::text[])`);
  if (opts.streamPrefix !== undefined) where.push(`e.stream LIKE ${param(likePrefix(opts.streamPrefix))}`);
  if (opts.from) where.push(`e.created_at >= ${param(opts.from.toISOString())}::timestamptz`);
  if (opts.to) where.push(`e.created_at < ${param(opts.to.toISOString())}::timestamptz`);
  if (opts.readableBy !== undefined) return readVisible(db, opts.readableBy, after, limit, where, params);

  const { rows } = await db.query<HorizonRow>(
    `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon)
     SELECT h.horizon::text AS horizon, s.* FROM h LEFT JOIN LATERAL (
       SELECT ${EVENT_COLUMNS} FROM events e
       WHERE ${where.join(' AND ')}
       ORDER BY e.txid, e.position LIMIT $3
     ) s ON true`,
    params,
  );
  const events = eventsOf(rows);
  return {
    events,
    checkpoint: pageEnd(events, after, limit, rows[0]!.horizon),
    more: events.length === limit,
  };
}

/**
 * readAll for one agent: scans up to `visibilityScan(limit)` matching events and
 * returns the readable ones among them, so a hidden event moves the checkpoint
 * only as one of a full scan (which tells no more than that so many happened).
 */
async function readVisible(
  db: Queryable,
  agent: string,
  after: Checkpoint,
  limit: number,
  where: string[],
  params: unknown[],
): Promise<ReadAllPage> {
  const scan = visibilityScan(limit);
  params.push(agent, scan);
  const { rows } = await db.query<ScanRow>(
    `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon),
     scan AS MATERIALIZED (
       SELECT e.txid, e.position, ${readableSql(params.length - 1)} AS shown FROM events e, h
       WHERE ${where.join(' AND ')}
       ORDER BY e.txid, e.position LIMIT $${params.length}
     ),
     tail AS (SELECT txid, position, (SELECT count(*) FROM scan) AS scanned FROM scan
              ORDER BY txid DESC, position DESC LIMIT 1)
     SELECT h.horizon::text AS horizon, tail.scanned::int AS scanned,
            tail.txid::text AS tail_txid, tail.position::text AS tail_position, s.*
     FROM h LEFT JOIN tail ON true LEFT JOIN LATERAL (
       SELECT ${EVENT_COLUMNS} FROM events e
       WHERE e.position IN (SELECT position FROM scan WHERE shown ORDER BY txid, position LIMIT $3)
       ORDER BY e.txid, e.position
     ) s ON true`,
    params,
  );
  const first = rows[0]!;
  const events = eventsOf(rows);
  if (events.length < limit && first.scanned === scan) {
    const tail = { txid: BigInt(first.tail_txid!), position: BigInt(first.tail_position!) };
    return { events, checkpoint: maxCheckpoint(tail, after), more: true };
  }
  return { events, checkpoint: pageEnd(events, after, limit, first.horizon), more: events.length === limit };
}

function eventsOf(rows: HorizonRow[]): StoredEvent[] {
  const first = rows[0];
  if (!first) throw new Error('horizon query returned no row');
  return first.id === null || first.id === undefined ? [] : rows.map((r) => toStoredEvent(r as EventRow));
}

/** Where a page ends: its last event, or the horizon when it is not full. */
function pageEnd(events: StoredEvent[], after: Checkpoint, limit: number, horizon: string): Checkpoint {
  const last = events.at(-1);
  let checkpoint = last ? { txid: last.txid, position: last.position } : after;
  if (events.length < limit) checkpoint = maxCheckpoint(checkpoint, { txid: BigInt(horizon), position: 0n });
  return maxCheckpoint(checkpoint, after);
}
