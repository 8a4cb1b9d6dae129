import { describe, expect, it } from '@jest/globals';

import { ExponentialBackoff } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('coalesces duplicate keys and keeps order', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key to two workers: an add during processing is queued after done()', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting worker when a key arrives, and ends workers on shutdown', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('x');
    expect(await next).toBe('x');
    const ended = q.get();
    q.shutDown();
    expect(await ended).toBeUndefined();
    q.add('y');
    expect(q.length).toBe(0);
  });

  it('retries with the per-key backoff and counts retries and adds', async () => {
    const counts = { added: 0, retried: 0, depth: 0 };
    const q = new WorkQueue(new ExponentialBackoff(5, 1000), {
      added: () => counts.added++,
      retried: () => counts.retried++,
      depth: (n) => (counts.depth = n),
    });
    q.addRateLimited('a');
    expect(q.retries('a')).toBe(1);
    expect(q.length).toBe(0); // delayed 5 ms
    expect(await q.get()).toBe('a');
    expect(counts).toEqual({ added: 1, retried: 1, depth: 0 });
    q.forget('a');
    expect(q.retries('a')).toBe(0);
  });

  it('addAfter keeps the earliest pending delay for a key', async () => {
    const q = new WorkQueue();
    q.addAfter('a', 10);
    q.addAfter('a', 100_000);
    expect(await q.get()).toBe('a');
    q.shutDown();
  });
});
