import { describe, expect, it } from '@jest/globals';
import type { Database } from '../storage/index.js';
import { payloads, SpendingShare } from './sharing.js';
import { RateLimiter, type Spending } from './token-bucket.js';

describe('payloads', () => {
  it('splits spending into NOTIFY payloads under 8000 bytes, each naming the replica', () => {
    const spending: Spending[] = Array.from({ length: 500 }, (_, i) => [
      'validate',
      `agent-${String(i).padStart(58, '0')}`,
      i + 1,
    ]);
    const out = payloads('replica-1', spending);
    expect(out.length).toBeGreaterThan(1);
    for (const p of out) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    const parsed = out.map((p) => JSON.parse(p) as { r: string; s: Spending[] });
    expect(parsed.every((m) => m.r === 'replica-1')).toBe(true);
    expect(parsed.flatMap((m) => m.s)).toEqual(spending);
  });

  it('sends nothing when nothing was spent', () => {
    expect(payloads('r', [])).toEqual([]);
  });
});

describe('SpendingShare', () => {
  const limits = { validate: 100, escalations: 1, elicitation: 1, writes: 1, writeBytes: 1 };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** A database whose NOTIFY does what `notify` says; LISTEN does nothing. */
  function database(notify: () => Promise<void>): Database & { calls: number } {
    const db = {
      calls: 0,
      listen: async () => async () => undefined,
      notify: async () => {
        db.calls++;
        return notify();
      },
    };
    return db as unknown as Database & { calls: number };
  }

  it('skips a tick while a send is under way, instead of queueing sends behind a slow database', async () => {
    let release!: () => void;
    const db = database(() => new Promise<void>((r) => (release = r)));
    const limiter = new RateLimiter(limits);
    const share = new SpendingShare(db, limiter, 'replica-1');
    await share.start(10);
    limiter.take('a', 'validate');
    await sleep(120); // about ten ticks: one send, hanging
    expect(db.calls).toBe(1);
    limiter.take('a', 'validate');
    release();
    await sleep(60);
    expect(db.calls).toBe(2); // what was spent meanwhile goes with the next tick
    release();
    await share.stop();
  });

  it('reports an outage once, and again only after a send went through', async () => {
    let down = true;
    const db = database(async () => {
      if (down) throw new Error('connection refused');
    });
    const limiter = new RateLimiter(limits);
    const errors: string[] = [];
    const share = new SpendingShare(db, limiter, 'replica-1', (err) => errors.push((err as Error).message));
    await share.start(10);
    for (let i = 0; i < 5; i++) {
      limiter.take('a', 'validate');
      await sleep(25);
    }
    expect(db.calls).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual(['connection refused']);
    down = false;
    limiter.take('a', 'validate');
    await sleep(40);
    down = true;
    limiter.take('a', 'validate');
    await sleep(40);
    expect(errors).toEqual(['connection refused', 'connection refused']);
    await share.stop();
  });
});
