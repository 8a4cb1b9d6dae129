import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { FIELD_BYTES, INPUT_BYTES, loggedInput } from './logged-input.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('loggedInput', () => {
  it('logs a small input as it is', () => {
    const input = { command: 'ls -la', description: 'list' };
    expect(loggedInput(input)).toBe(input);
  });

  it('logs a long field as its size and digest, keeping the others', () => {
    const content = 'x'.repeat(200_000);
    const logged = loggedInput({ file_path: '/w/big.txt', content });
    expect(logged).toEqual({
      file_path: '/w/big.txt',
      content: { omitted: true, bytes: 200_002, sha256: sha(JSON.stringify(content)) },
    });
  });

  it('logs an input of many short fields, still too long, as its size and digest', () => {
    const input = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`k${i}`, 'y'.repeat(FIELD_BYTES - 10)]),
    );
    const whole = JSON.stringify(input);
    expect(Buffer.byteLength(whole)).toBeGreaterThan(INPUT_BYTES);
    expect(loggedInput(input)).toEqual({
      omitted: true,
      bytes: Buffer.byteLength(whole),
      sha256: sha(whole),
    });
  });

  it('counts bytes, not characters', () => {
    const logged = loggedInput({ note: 'é'.repeat(600) });
    expect(logged.note).toMatchObject({ omitted: true, bytes: 1202 });
  });
});
