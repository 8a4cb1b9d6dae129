// Agent keys are derived from the master key, so every replica can verify a
// request without looking anything up: key = HMAC-SHA256(master, "agent:" + id).
// A credential is `lh1.<agentId>.<base64url key>`; the reserved id `admin` is the
// administrator.
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

export const ADMIN_AGENT = 'admin';
export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const PREFIX = 'lh1';

export interface Credential {
  agentId: string;
  key: Buffer;
}

export class CredentialFormatError extends Error {
  override name = 'CredentialFormatError';
}

export function isValidAgentId(id: string): boolean {
  return AGENT_ID_PATTERN.test(id);
}

/** `master` may be a KeyObject (createSecretKey), which a hot path imports once instead of on every call. */
export function deriveAgentKey(master: Buffer | KeyObject, agentId: string): Buffer {
  if (!isValidAgentId(agentId)) throw new CredentialFormatError(`invalid agent id "${agentId}"`);
  return createHmac('sha256', master).update(`agent:${agentId}`).digest();
}

export function issueCredential(master: Buffer, agentId: string): string {
  return formatCredential({ agentId, key: deriveAgentKey(master, agentId) });
}

export function formatCredential(c: Credential): string {
  return `${PREFIX}.${c.agentId}.${c.key.toString('base64url')}`;
}

export function parseCredential(text: string): Credential {
  const parts = text.trim().split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) {
    throw new CredentialFormatError('credential must look like lh1.<agent-id>.<key>');
  }
  const [, agentId, key] = parts as [string, string, string];
  if (!isValidAgentId(agentId)) throw new CredentialFormatError(`invalid agent id "${agentId}"`);
  if (!/^[A-Za-z0-9_-]{43}$/.test(key))
    throw new CredentialFormatError('credential key must be 32 bytes, base64url');
  return { agentId, key: Buffer.from(key, 'base64url') };
}

/** Constant-time check that `presented` is the key the master derives for its agent. */
export function credentialMatches(master: Buffer | KeyObject, presented: Credential): boolean {
  const expected = deriveAgentKey(master, presented.agentId);
  return presented.key.length === expected.length && timingSafeEqual(presented.key, expected);
}
