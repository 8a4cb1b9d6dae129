// POST /v1/hooks/claude-code with Claude Code's hook payloads (the documented
// PreToolUse/PostToolUse shapes, in fixtures/claude-code), on the embedded store.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBridge, type TestBridge } from './harness.js';

const fixtures = fileURLToPath(new URL('./fixtures/claude-code/', import.meta.url));
const fixture = (name: string): string => readFileSync(path.join(fixtures, `${name}.json`), 'utf8');

interface HookReply {
  hookSpecificOutput: { hookEventName: string; permissionDecision: string; permissionDecisionReason: string };
  error: { code: string; message: string };
}

let dir: string;
let bridge: TestBridge;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lh-cc-'));
  bridge = await startTestBridge(
    { dataDir: path.join(dir, 'data') },
    { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: '500' },
  );
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function hook(body: string, token = bridge.hookToken('claude')) {
  const res = await fetch(`${bridge.url}/v1/hooks/claude-code`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as HookReply };
}

describe('Claude Code hook endpoint', () => {
  it.each([
    ['pre-bash-rm-root', 'deny', /rm-recursive-critical|root/],
    ['pre-write-etc', 'deny', /system|etc/i],
    ['pre-bash-npm-test', 'allow', /./],
    ['pre-read-project', 'allow', /Read/],
    ['pre-edit-project', 'allow', /./],
    ['pre-mcp-tool', 'allow', /./],
    ['pre-bash-systemctl', 'ask', /escalation_timeout/],
  ])('%s → %s', async (name, decision, reason) => {
    const res = await hook(fixture(name));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: decision,
        permissionDecisionReason: expect.stringMatching(reason),
      },
    });
  });

  it('records PostToolUse and answers with no decision', async () => {
    const res = await hook(fixture('post-write-project'));
    expect(res).toEqual({ status: 200, body: {} });
    const events = await bridge.services.store.readStream('agent:claude');
    expect(events.at(-1)).toMatchObject({
      type: 'ToolCallCompleted',
      data: { tool: 'Write', toolUseId: 'toolu_01Qa4d9GkT6wB3mX8eJ2rV5C' },
    });
  });

  it('ignores unknown fields and records the decision with the session id', async () => {
    const payload = { ...JSON.parse(fixture('pre-read-project')), some_future_field: { nested: true } };
    const res = await hook(JSON.stringify(payload));
    expect(res.body.hookSpecificOutput.permissionDecision).toBe('allow');
    const id = /decision ([0-9a-f-]{36})/.exec(res.body.hookSpecificOutput.permissionDecisionReason)?.[1];
    const decisions = await bridge.services.store.readStream('decisions');
    expect(decisions.find((e) => e.id === id)?.data).toMatchObject({
      agentId: 'claude',
      sessionId: payload.session_id,
      tool: 'Read',
      decision: 'allow',
    });
  });

  it('refuses a missing, malformed or forged hook token with 401', async () => {
    const body = fixture('pre-read-project');
    const none = await fetch(`${bridge.url}/v1/hooks/claude-code`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(none.status).toBe(401);
    expect((await hook(body, 'lhh1.claude.not-a-key')).body.error.code).toBe('unknown_agent');
    const key = Buffer.alloc(32, 1).toString('base64url');
    expect((await hook(body, `lhh1.claude.${key}`)).body.error.code).toBe('bad_signature');
    // The admin has no hook token, whatever key comes with the id.
    expect((await hook(body, `lhh1.admin.${key}`)).body.error.code).toBe('unknown_agent');
  });

  it("refuses the agent's signing credential as the bearer, pointing at the hook token", async () => {
    const res = await hook(fixture('pre-read-project'), bridge.credential('claude'));
    expect(res).toEqual({
      status: 401,
      body: {
        error: { code: 'not_hook_token', message: expect.stringContaining('agent issue <id> --hook') },
      },
    });
    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/lighthouse_bridge_auth_failures_total\{reason="not_hook_token"\} 1\b/);
  });

  it('refuses a payload without tool_name with 400', async () => {
    const res = await hook(JSON.stringify({ hook_event_name: 'PreToolUse', tool_input: {} }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });
});
