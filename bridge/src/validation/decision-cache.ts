// Tier 1: recent decisions, keyed by the normalised call. Entries carry the
// policy revision they were made under and the cache is cleared when the policy
// changes, so a stale rule never answers.
import { LRUCache } from 'lru-cache';
import type { Decision } from '../policy/types.js';

export interface CachedDecision {
  decision: Decision;
  reason: string;
  ruleId: string | null;
  /** The tier that originally decided. */
  tier: 'policy' | 'risk';
  policyRevision: string;
}

export class DecisionCache {
  private readonly lru: LRUCache<string, CachedDecision>;
  hits = 0;
  misses = 0;

  constructor(maxEntries: number, ttlMs: number) {
    this.lru = new LRUCache({ max: maxEntries, ttl: ttlMs });
  }

  get(key: string, policyRevision: string): CachedDecision | undefined {
    const entry = this.lru.get(key);
    if (entry && entry.policyRevision === policyRevision) {
      this.hits++;
      return entry;
    }
    this.misses++;
    return undefined;
  }

  set(key: string, entry: CachedDecision): void {
    this.lru.set(key, entry);
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  get hitRatio(): number {
    const total = this.hits + this.misses;
    return total === 0 ? 0 : this.hits / total;
  }
}
