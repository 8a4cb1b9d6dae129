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

  it('tells what was spent here since it was last asked, refusals not counted', () => {
    const rl = new RateLimiter(budgets({ validate: 2, writes: 5, writeBytes: 100 }), () => 0);
    rl.take('a', 'validate');
    rl.take('a', 'validate');
    rl.take('a', 'validate'); // refused: not spent
    rl.takeAll('b', [
      ['writes', 1],
      ['writeBytes', 40],
    ]);
    expect(rl.takeSpending()).toEqual([
      ['validate', 'a', 2],
      ['writes', 'b', 1],
      ['writeBytes', 'b', 40],
    ]);
    expect(rl.takeSpending()).toEqual([]);
  });

  it('drains a bucket by what another replica spent, into debt down to one whole budget', () => {
    let now = 0;
    const rl = new RateLimiter(budgets({ validate: 6 }), () => now);
    rl.spentElsewhere('a', 'validate', 4);
    expect([1, 2].map(() => rl.take('a', 'validate').ok)).toEqual([true, true]);
    expect(rl.take('a', 'validate').ok).toBe(false);
    // Twenty more spent elsewhere: the debt stops at -6, so a call waits 70 s (7 tokens at 6/min), not 210.
    rl.spentElsewhere('a', 'validate', 20);
    expect(rl.take('a', 'validate')).toEqual({ ok: false, retryAfterSeconds: 70, budget: 'validate' });
    now += 70_000;
    expect(rl.take('a', 'validate').ok).toBe(true);
    // What others spent is theirs to tell: it is not told again from here.
    expect(rl.takeSpending()).toEqual([['validate', 'a', 3]]);
  });

  it('ignores what another replica tells of a budget it does not have, or a cost that is not one', () => {
    const rl = new RateLimiter(budgets({ validate: 2 }), () => 0);
    rl.spentElsewhere('a', '__proto__' as Budget, 5);
    rl.spentElsewhere('a', 'toString' as Budget, 5);
    for (const cost of [NaN, -3, 0, Infinity]) rl.spentElsewhere('a', 'validate', cost);
    expect([1, 2].map(() => rl.take('a', 'validate').ok)).toEqual([true, true]);
  });
});
