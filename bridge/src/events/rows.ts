// Row <-> StoredEvent. bigint-like columns travel as text so that both drivers
// return the same JS values.
import type { Checkpoint, StoredEvent } from './types.js';

export const EVENT_COLUMNS =
  'e.position::text AS position, e.txid::text AS txid, e.id::text AS id, e.stream, e.version, e.type, e.data, e.metadata, e.created_at';

export interface EventRow {
  position: string;
  txid: string;
  id: string;
  stream: string;
  version: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  created_at: Date | string;
}

export function toStoredEvent(r: EventRow): StoredEvent {
  return {
    id: r.id,
    position: BigInt(r.position),
    txid: BigInt(r.txid),
    stream: r.stream,
    version: r.version,
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
  };
}

export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return 0;
}

export function maxCheckpoint(a: Checkpoint, b: Checkpoint): Checkpoint {
  return compareCheckpoints(a, b) >= 0 ? a : b;
}

/** Escapes LIKE wildcards so a stream prefix matches literally. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}
