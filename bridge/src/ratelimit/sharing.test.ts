import { describe, expect, it } from '@jest/globals';
import { payloads } from './sharing.js';
import type { Spending } from './token-bucket.js';

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
