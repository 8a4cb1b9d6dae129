// What a commit tells subscribers: the transaction that committed and the event
// types it wrote, so that only subscribers reading those types poll. Sent by
// lighthouse_append as its NOTIFY payload, "<txid> [type …]" (see schema.ts).

/** Missing fields mean "unknown": every subscriber polls. */
export interface CommitNotice {
  txid?: bigint;
  types?: readonly string[];
}

/** Parses a NOTIFY payload; anything unexpected (e.g. '' after a reconnect) wakes everyone. */
export function parseCommitNotice(payload: string): CommitNotice {
  const [txid, ...types] = payload.split(' ');
  if (!txid || !/^\d+$/.test(txid)) return {};
  return types.length > 0 ? { txid: BigInt(txid), types } : { txid: BigInt(txid) };
}

/** True when the commit may have written events a subscriber filtering on `wanted` reads. */
export function concerns(notice: CommitNotice, wanted: readonly string[] | undefined): boolean {
  return !notice.types || !wanted || notice.types.some((t) => wanted.includes(t));
}
