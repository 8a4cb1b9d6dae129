// Rebuilding a view at start: every matching event so far, page by page. The
// returned checkpoint is where the view's live subscription continues.
import type { Checkpoint, EventStore, ReadAllOptions, StoredEvent } from './types.js';

const PAGE = 1000;

export async function catchUp(
  store: EventStore,
  opts: Omit<ReadAllOptions, 'after' | 'limit'>,
  apply: (e: StoredEvent) => void,
): Promise<Checkpoint> {
  let after: Checkpoint | undefined;
  for (;;) {
    const page = await store.readAll({ ...opts, after, limit: PAGE });
    for (const e of page.events) apply(e);
    after = page.checkpoint;
    if (page.events.length < PAGE) return after;
  }
}
