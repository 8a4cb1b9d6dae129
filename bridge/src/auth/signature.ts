// Request signatures: hex HMAC-SHA256(agent key, METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nSHA256hex(body)).
import { createHash, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

export const HEADER_AGENT = 'x-lighthouse-agent';
export const HEADER_TIMESTAMP = 'x-lighthouse-timestamp';
export const HEADER_NONCE = 'x-lighthouse-nonce';
export const HEADER_SIGNATURE = 'x-lighthouse-signature';

/** How far a request's timestamp may be from the bridge's clock, either way. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

export interface SignedParts {
  method: string;
  /** Path with query string, exactly as sent on the request line. */
  path: string;
  timestamp: string;
  nonce: string;
  body: Buffer | string;
}

export function bodyDigest(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex');
}

export function canonicalRequest(p: SignedParts): string {
  return [p.method.toUpperCase(), p.path, p.timestamp, p.nonce, bodyDigest(p.body)].join('\n');
}

/** `key` may be a KeyObject (createSecretKey) so a hot path does not re-import the key on every request. */
export function sign(key: Buffer | KeyObject, parts: SignedParts): string {
  return createHmac('sha256', key).update(canonicalRequest(parts)).digest('hex');
}

export function signatureMatches(key: Buffer | KeyObject, parts: SignedParts, presented: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(presented)) return false;
  const expected = Buffer.from(sign(key, parts), 'hex');
  return timingSafeEqual(expected, Buffer.from(presented, 'hex'));
}
