import { describe, expect, it } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import { canonicalRequest, sign, signatureMatches } from './signature.js';

const key = Buffer.alloc(32, 7);
const parts = {
  method: 'post',
  path: '/v1/validate?x=1',
  timestamp: '1700000000',
  nonce: 'n'.repeat(20),
  body: '{"a":1}',
};

describe('request signatures', () => {
  it('signs METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256(body) with HMAC-SHA256', () => {
    const digest = createHash('sha256').update('{"a":1}').digest('hex');
    expect(canonicalRequest(parts)).toBe(`POST\n/v1/validate?x=1\n1700000000\n${'n'.repeat(20)}\n${digest}`);
    const expected = createHmac('sha256', key).update(canonicalRequest(parts)).digest('hex');
    expect(sign(key, parts)).toBe(expected);
    expect(signatureMatches(key, parts, expected)).toBe(true);
  });

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { path: '/v1/validate?x=2' }],
    ['timestamp', { timestamp: '1700000001' }],
    ['nonce', { nonce: 'm'.repeat(20) }],
    ['body', { body: '{"a":2}' }],
  ])('a changed %s breaks the signature', (_name, change) => {
    const sig = sign(key, parts);
    expect(signatureMatches(key, { ...parts, ...change }, sig)).toBe(false);
  });

  it('refuses malformed signatures without throwing', () => {
    expect(signatureMatches(key, parts, 'zz')).toBe(false);
    expect(signatureMatches(key, parts, sign(key, parts).toUpperCase())).toBe(false);
    expect(signatureMatches(key, parts, '')).toBe(false);
  });
});
