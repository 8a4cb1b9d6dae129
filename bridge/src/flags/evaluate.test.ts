import { describe, expect, it } from '@jest/globals';
import { bucket, evaluate } from './evaluate.js';

const agents = Array.from({ length: 2000 }, (_, i) => `agent-${i}`);

describe('evaluate', () => {
  it('off / on / agents', () => {
    expect(evaluate('f', { mode: 'off' }, 'a')).toBe(false);
    expect(evaluate('f', { mode: 'on' }, 'a')).toBe(true);
    expect(evaluate('f', { mode: 'agents', agents: ['a'] }, 'a')).toBe(true);
    expect(evaluate('f', { mode: 'agents', agents: ['a'] }, 'b')).toBe(false);
  });

  it('percentage: 0 enables nobody, 100 everybody, 30 roughly 30 %', () => {
    const share = (p: number) =>
      agents.filter((a) => evaluate('f', { mode: 'percentage', percentage: p }, a)).length;
    expect(share(0)).toBe(0);
    expect(share(100)).toBe(agents.length);
    expect(share(30) / agents.length).toBeGreaterThan(0.25);
    expect(share(30) / agents.length).toBeLessThan(0.35);
  });

  it('pins the bucket function, so a refactor cannot silently re-bucket every agent', () => {
    expect(bucket('elicitation', 'alice')).toBe(8248);
  });

  it('raising the percentage only adds agents', () => {
    for (const a of agents) {
      const at20 = evaluate('f', { mode: 'percentage', percentage: 20 }, a);
      const at50 = evaluate('f', { mode: 'percentage', percentage: 50 }, a);
      if (at20) expect(at50).toBe(true);
    }
  });

  it('different flags pick different agents', () => {
    const pick = (flag: string) =>
      agents.filter((a) => evaluate(flag, { mode: 'percentage', percentage: 50 }, a));
    expect(pick('x')).not.toEqual(pick('y'));
  });
});
