// Enforcement modes and client-resolved paths over HTTP: a bridge on the embedded
// store with its own policy.yaml, asked through /v1/validate and the Claude Code hook.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestBridge, type TestBridge } from './harness.js';

const POLICY = `
rules:
  - { id: no-printf, description: printf is off, priority: 90, action: block, category: test, match: { tool: Bash, command: { program: [printf] } } }
  - { id: watch-echo, description: Echo is watched, priority: 80, action: block, enforcement: warn, category: test, match: { tool: Bash, command: { program: [echo] } } }
  - { id: trial-echo, description: Echo on trial, priority: 70, action: escalate, enforcement: dryrun, category: test, match: { tool: Bash, command: { program: [echo] } } }
  - { id: system-write, description: Writing system files, priority: 90, action: block, category: system, match: { tool: Write, path: { patterns: [/etc/**] } } }
  - { id: the-rest, description: Allowed, priority: 1, action: allow, category: test, match: { tool: 'Bash|Write' } }
`;

interface Validated {
  decision: string;
  reason: string;
  ruleId: string | null;
  tier: string;
  decisionId: string;
  warnings: { ruleId: string; decision: string; reason: string }[];
}

let dir: string;
let bridge: TestBridge;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lh-modes-'));
  const configDir = path.join(dir, 'config');
  mkdirSync(configDir);
  writeFileSync(path.join(configDir, 'policy.yaml'), POLICY);
  bridge = await startTestBridge({ dataDir: path.join(dir, 'data') }, { LIGHTHOUSE_CONFIG_DIR: configDir });
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  rmSync(dir, { recursive: true, force: true });
});

const validate = (body: unknown) => bridge.client('claude').post<Validated>('/v1/validate', body);
const bash = (command: string) => ({ tool: 'Bash', input: { command }, cwd: '/home/u/p' });

describe('enforcement modes over HTTP', () => {
  it('enforce decides; warn does not, but the caller is told; dryrun is only in the decision event', async () => {
    const blocked = await validate(bash('printf x'));
    expect(blocked.body).toMatchObject({ decision: 'block', ruleId: 'no-printf', warnings: [] });

    for (let i = 0; i < 2; i++) {
      const warned = await validate(bash('echo hi'));
      expect(warned.status).toBe(200);
      expect(warned.body).toMatchObject({
        decision: 'allow',
        ruleId: 'the-rest',
        tier: 'policy',
        warnings: [{ ruleId: 'watch-echo', decision: 'block', reason: 'Echo is watched: echo hi' }],
      });
      expect(JSON.stringify(warned.body)).not.toContain('trial-echo');
      const event = (await bridge.services.store.readStream('decisions')).find(
        (e) => e.id === warned.body.decisionId,
      );
      expect((event?.data as { observed: { ruleId: string }[] }).observed.map((h) => h.ruleId)).toEqual([
        'watch-echo',
        'trial-echo',
      ]);
    }
  });

  it('names the warning in the Claude Code hook output, not the dryrun hit', async () => {
    const res = await fetch(`${bridge.url}/v1/hooks/claude-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.hookToken('claude')}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        hook_event_name: 'PreToolUse',
        tool_name: 'Bash',
        tool_input: { command: 'echo hi' },
        cwd: '/home/u/p',
      }),
    });
    const out = (await res.json()) as {
      hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
    };
    expect(out.hookSpecificOutput.permissionDecision).toBe('allow');
    expect(out.hookSpecificOutput.permissionDecisionReason).toMatch(
      /^Lighthouse: Allowed: .*\(rule the-rest\); warning: rule watch-echo would block \(Echo is watched: echo hi\) \[decision [0-9a-f-]+\]$/,
    );
  });
});

describe('resolvedPaths over HTTP', () => {
  const write = (file_path: string, resolvedPaths?: Record<string, string>) => ({
    tool: 'Write',
    input: { file_path, content: 'x' },
    cwd: '/home/u/p',
    ...(resolvedPaths ? { resolvedPaths } : {}),
  });

  it('blocks a write whose real path is in /etc, and a real path never lifts a block', async () => {
    expect((await validate(write('link/passwd'))).body.decision).toBe('allow');
    const viaLink = await validate(write('link/passwd', { 'link/passwd': '/etc/passwd' }));
    expect(viaLink.body).toMatchObject({
      decision: 'block',
      ruleId: 'system-write',
      reason: 'Writing system files: /etc/passwd (real path of link/passwd)',
    });
    const lying = await validate(write('/etc/passwd', { '/etc/passwd': '/home/u/p/passwd' }));
    expect(lying.body).toMatchObject({ decision: 'block', ruleId: 'system-write' });
    const dry = await bridge
      .client('claude')
      .post<Validated>('/v1/validate/dry-run', write('link/passwd', { 'link/passwd': '/etc/passwd' }));
    expect(dry.body).toMatchObject({ decision: 'block', ruleId: 'system-write' });
  });

  it.each([
    ['more than 16 entries', Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, `/r/${i}`]))],
    ['a real path longer than 4096', { a: `/${'x'.repeat(4096)}` }],
    ['an empty given path', { '': '/etc' }],
    ['a real path that is not a string', { a: 1 }],
  ])('refuses %s with 400', async (_name, resolvedPaths) => {
    const res = await bridge
      .client('claude')
      .post<{ error: { code: string } }>('/v1/validate', { ...write('a'), resolvedPaths });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });
});
