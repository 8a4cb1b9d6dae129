import { describe, expect, it } from '@jest/globals';
import { RateLimiter } from './token-bucket.js';

describe('RateLimiter', () => {
  it('allows a burst of the budget, then refuses with Retry-After until tokens refill', () => {
    let now = 0;
    const rl = new RateLimiter({ validate: 3, escalations: 1, elicitation: 1 }, () => now);
    expect([1, 2, 3].map(() => rl.take('a', 'validate').ok)).toEqual([true, true, true]);
    const refused = rl.take('a', 'validate');
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 20 });
    now += 20_000;
    expect(rl.take('a', 'validate').ok).toBe(true);
    expect(rl.take('a', 'validate').ok).toBe(false);
  });

  it('keeps agents and budgets apart', () => {
    const rl = new RateLimiter({ validate: 1, escalations: 1, elicitation: 1 }, () => 0);
    expect(rl.take('a', 'validate').ok).toBe(true);
    expect(rl.take('a', 'validate').ok).toBe(false);
    expect(rl.take('b', 'validate').ok).toBe(true);
    expect(rl.take('a', 'escalations').ok).toBe(true);
  });
});
