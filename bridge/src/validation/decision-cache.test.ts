import { describe, expect, it } from '@jest/globals';
import { DecisionCache } from './decision-cache.js';

const entry = {
  decision: 'allow' as const,
  reason: 'r',
  ruleId: 'x',
  tier: 'policy' as const,
  policyRevision: 'rev1',
};

describe('DecisionCache', () => {
  it('answers only for the policy revision the entry was made under', () => {
    const c = new DecisionCache(10, 60_000);
    c.set('k', entry);
    expect(c.get('k', 'rev1')).toEqual(entry);
    expect(c.get('k', 'rev2')).toBeUndefined();
    expect([c.hits, c.misses, c.hitRatio]).toEqual([1, 1, 0.5]);
  });

  it('evicts the least recently used entry and is emptied by clear()', () => {
    const c = new DecisionCache(2, 60_000);
    c.set('a', entry);
    c.set('b', entry);
    c.get('a', 'rev1');
    c.set('c', entry);
    expect(c.get('b', 'rev1')).toBeUndefined();
    expect(c.get('a', 'rev1')).toBeDefined();
    c.clear();
    expect(c.size).toBe(0);
  });

  // DecisionCache takes no clock, so this waits out a short TTL in real time.
  it('forgets an entry once its TTL has passed (a miss, and the entry is gone)', async () => {
    const c = new DecisionCache(10, 200);
    c.set('k', entry);
    expect(c.get('k', 'rev1')).toEqual(entry);
    await new Promise((r) => setTimeout(r, 400));
    expect(c.get('k', 'rev1')).toBeUndefined();
    expect([c.hits, c.misses, c.size]).toEqual([1, 1, 0]);
    // A long TTL keeps it over the same wait.
    const kept = new DecisionCache(10, 60_000);
    kept.set('k', entry);
    await new Promise((r) => setTimeout(r, 400));
    expect(kept.get('k', 'rev1')).toEqual(entry);
  });
});
