import { describe, expect, it } from '@jest/globals';
import {
  credentialMatches,
  CredentialFormatError,
  deriveAgentKey,
  formatCredential,
  issueCredential,
  parseCredential,
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
    expect(credentialMatches(master, c)).toBe(true);
    expect(formatCredential(c)).toBe(text);
  });

  it('rejects a key issued for another agent', () => {
    const bob = parseCredential(issueCredential(master, 'bob'));
    expect(credentialMatches(master, { agentId: 'alice', key: bob.key })).toBe(false);
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
