// A Map that keeps its most recently used entries: what the sidecar fetches
// for the paths readers look up (past trees, shadows, stream logs) would
// otherwise grow with every distinct path. A Map, so the pure resolver reads it
// like any snapshot map.

export interface LruMapOptions<K> {
  /** Entries kept, besides pinned ones. */
  max: number;
  /** Entries that must stay (an open handle reads them); they do not count as evictable. */
  pinned?: (key: K) => boolean;
  /** Called for each entry evicted to make room (not for delete or clear). */
  onEvict?: (key: K) => void;
}

export class LruMap<K, V> extends Map<K, V> {
  constructor(private readonly opts: LruMapOptions<K>) {
    super();
  }

  /** A read counts as use. */
  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key) as V;
    super.delete(key);
    super.set(key, value);
    return value;
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    // Oldest first: a Map iterates in insertion order, and every use re-inserts.
    for (const old of super.keys()) {
      if (this.size <= this.opts.max) break;
      if (old === key || this.opts.pinned?.(old)) continue;
      super.delete(old);
      this.opts.onEvict?.(old);
    }
    return this;
  }
}
