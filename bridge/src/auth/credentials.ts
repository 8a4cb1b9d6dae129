// Agent keys are derived from the master key, so every replica can verify a
// request without looking anything up: key = HMAC-SHA256(master, "agent:" + id).
// A credential is `lh1.<agentId>.<base64url key>`; the reserved id `admin` is the
// administrator. A hook token `lhh1.<agentId>.<base64url key>` holds a second key,
// HMAC-SHA256(master, "hook:" + id): Claude Code's HTTP hook sends it as a bearer
// from a settings file, so it must not be the key that signs every other request.
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

export const ADMIN_AGENT = 'admin';
export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const PREFIX = 'lh1';
const HOOK_PREFIX = 'lhh1';

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

function derive(master: Buffer | KeyObject, purpose: 'agent' | 'hook', agentId: string): Buffer {
  if (!isValidAgentId(agentId)) throw new CredentialFormatError(`invalid agent id "${agentId}"`);
  return createHmac('sha256', master).update(`${purpose}:${agentId}`).digest();
}

/** `master` may be a KeyObject (createSecretKey), which a hot path imports once instead of on every call. */
export function deriveAgentKey(master: Buffer | KeyObject, agentId: string): Buffer {
  return derive(master, 'agent', agentId);
}

export function issueCredential(master: Buffer, agentId: string): string {
  return formatCredential({ agentId, key: deriveAgentKey(master, agentId) });
}

export function formatCredential(c: Credential): string {
  return `${PREFIX}.${c.agentId}.${c.key.toString('base64url')}`;
}

function parse(text: string, prefix: string, what: string): Credential {
  const parts = text.trim().split('.');
  if (parts.length !== 3 || parts[0] !== prefix) {
    throw new CredentialFormatError(`${what} must look like ${prefix}.<agent-id>.<key>`);
  }
  const [, agentId, key] = parts as [string, string, string];
  if (!isValidAgentId(agentId)) throw new CredentialFormatError(`invalid agent id "${agentId}"`);
  if (!/^[A-Za-z0-9_-]{43}$/.test(key))
    throw new CredentialFormatError(`${what} key must be 32 bytes, base64url`);
  return { agentId, key: Buffer.from(key, 'base64url') };
}

export function parseCredential(text: string): Credential {
  return parse(text, PREFIX, 'credential');
}

/** The administrator has no hook token: the hook endpoint is for agents' tool calls. */
export function deriveHookKey(master: Buffer | KeyObject, agentId: string): Buffer {
  if (agentId === ADMIN_AGENT) throw new CredentialFormatError(`"${ADMIN_AGENT}" has no hook token`);
  return derive(master, 'hook', agentId);
}

export function issueHookToken(master: Buffer, agentId: string): string {
  return `${HOOK_PREFIX}.${agentId}.${deriveHookKey(master, agentId).toString('base64url')}`;
}

export function parseHookToken(text: string): Credential {
  const token = parse(text, HOOK_PREFIX, 'hook token');
  if (token.agentId === ADMIN_AGENT) throw new CredentialFormatError(`"${ADMIN_AGENT}" has no hook token`);
  return token;
}

/** Constant-time check that `presented` is the hook key the master derives for its agent. */
export function hookTokenMatches(master: Buffer | KeyObject, presented: Credential): boolean {
  const expected = deriveHookKey(master, presented.agentId);
  return presented.key.length === expected.length && timingSafeEqual(presented.key, expected);
}
