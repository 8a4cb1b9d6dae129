import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import {
  CredentialFormatError,
  deriveAgentKey,
  deriveHookKey,
  formatCredential,
  hookTokenMatches,
  issueCredential,
  issueHookToken,
  parseCredential,
  parseHookToken,
} from './credentials.js';

const master = Buffer.from('m'.repeat(40));

describe('agent credentials', () => {
  it('derives a stable 32-byte key per agent, different across agents and masters', () => {
    const a = deriveAgentKey(master, 'alice');
    expect(a).toHaveLength(32);
    expect(deriveAgentKey(master, 'alice').equals(a)).toBe(true);
    expect(deriveAgentKey(master, 'bob').equals(a)).toBe(false);
    expect(deriveAgentKey(Buffer.from('n'.repeat(40)), 'alice').equals(a)).toBe(false);
  });

  it('round-trips lh1.<id>.<key> and verifies against the master', () => {
    const text = issueCredential(master, 'alice');
    expect(text).toMatch(/^lh1\.alice\.[A-Za-z0-9_-]{43}$/);
    const c = parseCredential(text);
    expect(c.agentId).toBe('alice');
    expect(c.key.equals(deriveAgentKey(master, 'alice'))).toBe(true);
    expect(formatCredential(c)).toBe(text);
  });

  it.each([
    ['', 'empty'],
    ['lh2.alice.' + 'A'.repeat(43), 'wrong prefix'],
    ['lh1.al.ice.' + 'A'.repeat(43), 'dot in id'],
    ['lh1.-alice.' + 'A'.repeat(43), 'id starting with dash'],
    ['lh1.alice.short', 'short key'],
    ['lh1.alice.' + '!'.repeat(43), 'not base64url'],
  ])('refuses %j (%s)', (text) => {
    expect(() => parseCredential(text)).toThrow(CredentialFormatError);
  });
});

describe('hook tokens', () => {
  it('derive a key of their own: HMAC(master, "hook:" + id), not the signing key', () => {
    const hook = deriveHookKey(master, 'alice');
    expect(hook.equals(createHmac('sha256', master).update('hook:alice').digest())).toBe(true);
    expect(hook.equals(deriveAgentKey(master, 'alice'))).toBe(false);
    expect(deriveHookKey(master, 'bob').equals(hook)).toBe(false);
  });

  it('round-trip lhh1.<id>.<key> and verify as hook tokens only', () => {
    const text = issueHookToken(master, 'alice');
    expect(text).toMatch(/^lhh1\.alice\.[A-Za-z0-9_-]{43}$/);
    const token = parseHookToken(text);
    expect(token.agentId).toBe('alice');
    expect(hookTokenMatches(master, token)).toBe(true);
    expect(hookTokenMatches(master, parseCredential(issueCredential(master, 'alice')))).toBe(false);
  });

  it("refuse another agent's hook key", () => {
    const bob = parseHookToken(issueHookToken(master, 'bob'));
    expect(hookTokenMatches(master, { agentId: 'alice', key: bob.key })).toBe(false);
  });

  it('are not issued to, nor accepted from, the admin', () => {
    expect(() => issueHookToken(master, 'admin')).toThrow(CredentialFormatError);
    expect(() => parseHookToken(`lhh1.admin.${'A'.repeat(43)}`)).toThrow(/admin/);
  });

  it.each([
    [issueCredential(master, 'alice'), 'a signing credential'],
    ['lhh1.al.ice.' + 'A'.repeat(43), 'dot in id'],
    ['lhh1.alice.short', 'short key'],
  ])('refuse %j (%s)', (text) => {
    expect(() => parseHookToken(text)).toThrow(CredentialFormatError);
  });

  it('are refused where a credential is expected', () => {
    expect(() => parseCredential(issueHookToken(master, 'alice'))).toThrow(CredentialFormatError);
  });
});
