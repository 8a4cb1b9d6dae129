// File contents too large for one event (the store's limit is 1 MiB per event)
// are stored as a blob: the bytes in chunks, appended to the stream
// `blob:<sha256>` in one append (one transaction: all chunks or none). The
// FileChanged event then names the blob instead of carrying the bytes, so a
// file only becomes visible once every chunk is durable. Equal contents share
// one blob.
import { createHash } from 'node:crypto';
import { ConcurrencyError, type EventStore } from '../events/index.js';

/** Raw bytes per chunk: base64 (4/3) plus the event's JSON stays well under 1 MiB. */
export const CHUNK_BYTES = 512 * 1024;
export const BLOB_CHUNK_EVENT = 'BlobChunkStored';

const blobStream = (sha256: string) => `blob:${sha256}`;
export const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface ChunkData {
  index: number;
  count: number;
  dataBase64: string;
}

/** Stores `bytes`, whose hash the caller has computed, once per content. */
export async function storeBlob(store: EventStore, bytes: Buffer, sha256: string): Promise<void> {
  const count = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
  const events = Array.from({ length: count }, (_, index) => ({
    type: BLOB_CHUNK_EVENT,
    data: {
      index,
      count,
      dataBase64: bytes.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES).toString('base64'),
    } satisfies ChunkData,
  }));
  try {
    await store.append(blobStream(sha256), events, { expectedVersion: 'no_stream' });
  } catch (err) {
    // Stored before (by this or another writer): its chunks are the same bytes.
    if (!(err instanceof ConcurrencyError)) throw err;
  }
}

/** The bytes of a stored blob, checked against its hash. */
export async function readBlob(store: EventStore, sha256: string): Promise<Buffer> {
  const events = await store.readStream(blobStream(sha256), { limit: 1000 });
  const chunks = events.map((e) => e.data as ChunkData);
  const count = chunks[0]?.count ?? 0;
  if (count === 0 || chunks.length < count) throw new Error(`blob ${sha256} is incomplete`);
  const bytes = Buffer.concat(chunks.slice(0, count).map((c) => Buffer.from(c.dataBase64, 'base64')));
  if (sha256Of(bytes) !== sha256) throw new Error(`blob ${sha256} does not match its hash`);
  return bytes;
}
