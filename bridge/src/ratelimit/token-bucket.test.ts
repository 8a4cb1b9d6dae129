import { describe, expect, it } from '@jest/globals';
import { RateLimiter, type Budget } from './token-bucket.js';

const budgets = (b: Partial<Record<Budget, number>>): Record<Budget, number> => ({
  validate: 1,
  escalations: 1,
  elicitation: 1,
  writes: 1,
  writeBytes: 1,
  ...b,
});

describe('RateLimiter', () => {
  it('allows a burst of the budget, then refuses with Retry-After until tokens refill', () => {
    let now = 0;
    const rl = new RateLimiter(budgets({ validate: 3 }), () => now);
    expect([1, 2, 3].map(() => rl.take('a', 'validate').ok)).toEqual([true, true, true]);
    const refused = rl.take('a', 'validate');
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 20, budget: 'validate' });
    now += 20_000;
    expect(rl.take('a', 'validate').ok).toBe(true);
    expect(rl.take('a', 'validate').ok).toBe(false);
  });

  it('keeps agents and budgets apart', () => {
    const rl = new RateLimiter(budgets({}), () => 0);
    expect(rl.take('a', 'validate').ok).toBe(true);
    expect(rl.take('a', 'validate').ok).toBe(false);
    expect(rl.take('b', 'validate').ok).toBe(true);
    expect(rl.take('a', 'escalations').ok).toBe(true);
  });

  it('spends a cost, and waits until the whole cost has refilled', () => {
    let now = 0;
    const rl = new RateLimiter(budgets({ writeBytes: 6000 }), () => now);
    expect(rl.take('a', 'writeBytes', 5000).ok).toBe(true);
    // 1000 left; 3000 needs 2000 more, at 100 per second.
    expect(rl.take('a', 'writeBytes', 3000)).toEqual({
      ok: false,
      retryAfterSeconds: 20,
      budget: 'writeBytes',
    });
    expect(rl.take('a', 'writeBytes', 1000).ok).toBe(true);
    now += 30_000;
    expect(rl.take('a', 'writeBytes', 3000).ok).toBe(true);
  });

  it('lets a cost above the whole budget through on a full bucket only', () => {
    let now = 0;
    const rl = new RateLimiter(budgets({ writeBytes: 600 }), () => now);
    expect(rl.take('a', 'writeBytes', 10_000).ok).toBe(true);
    expect(rl.take('a', 'writeBytes', 10_000)).toEqual({
      ok: false,
      retryAfterSeconds: 60,
      budget: 'writeBytes',
    });
    now += 60_000;
    expect(rl.take('a', 'writeBytes', 10_000).ok).toBe(true);
  });

  it('takes several budgets together or not at all, naming the one that refused', () => {
    const rl = new RateLimiter(budgets({ writes: 10, writeBytes: 100 }), () => 0);
    expect(
      rl.takeAll('a', [
        ['writes', 1],
        ['writeBytes', 90],
      ]).ok,
    ).toBe(true);
    const refused = rl.takeAll('a', [
      ['writes', 1],
      ['writeBytes', 20],
    ]);
    expect([refused.ok, refused.budget]).toEqual([false, 'writeBytes']);
    // The refused request spent no write: nine are left.
    for (let i = 0; i < 9; i++) expect(rl.take('a', 'writes').ok).toBe(true);
    expect(rl.take('a', 'writes').budget).toBe('writes');
  });
});
