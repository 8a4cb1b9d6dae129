import { describe, expect, it } from '@jest/globals';

import { defaultRateLimiter, ExponentialBackoff, TokenBucket } from './rate-limiter.js';

describe('ExponentialBackoff', () => {
  it('doubles per key from 5 ms up to 1000 s and forgets on success', () => {
    const b = new ExponentialBackoff();
    expect([1, 2, 3, 4].map(() => b.when('a'))).toEqual([5, 10, 20, 40]);
    expect(b.when('other')).toBe(5);
    expect(b.retries('a')).toBe(4);
    for (let i = 0; i < 40; i++) b.when('a');
    expect(b.when('a')).toBe(1_000_000);
    b.forget('a');
    expect(b.when('a')).toBe(5);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then paces at the rate, refilling with time', () => {
    let t = 0;
    const bucket = new TokenBucket(10, 100, () => t);
    const first = Array.from({ length: 100 }, () => bucket.when());
    expect(first.every((d) => d === 0)).toBe(true);
    expect(bucket.when()).toBe(100); // the 101st waits one token (100 ms at 10/s)
    expect(bucket.when()).toBe(200);
    t += 20_000; // refills to the burst size, never beyond
    expect(Array.from({ length: 100 }, () => bucket.when()).every((d) => d === 0)).toBe(true);
    expect(bucket.when()).toBeGreaterThan(0);
  });
});

describe('defaultRateLimiter', () => {
  it('takes the larger of backoff and bucket', () => {
    let t = 0;
    const l = defaultRateLimiter(() => t);
    expect(l.when('k')).toBe(5);
    for (let i = 0; i < 150; i++) l.when(`x${i}`);
    expect(l.when('k')).toBeGreaterThan(1000); // the bucket is empty: about 5 s of debt
    t += 1;
    l.forget('k');
    expect(l.retries('k')).toBe(0);
  });
});
