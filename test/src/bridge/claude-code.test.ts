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
  error: { code: string; message: string; details?: unknown };
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

async function hook(body: string, token = bridge.hookToken('claude'), url = bridge.url) {
  const res = await fetch(`${url}/v1/hooks/claude-code`, {
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

  it('denies a PreToolUse the bridge cannot record, naming why: an error answer would let the tool run', async () => {
    const payload = JSON.parse(fixture('pre-bash-npm-test')) as { tool_input: Record<string, unknown> };
    const decided = (await bridge.services.store.readStream('decisions')).length;
    const res = await hook(JSON.stringify({ ...payload, tool_input: { command: 'npm test\u0000' } }));
    expect(res).toEqual({
      status: 200,
      body: {
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'deny',
          permissionDecisionReason: 'Lighthouse: invalid_data: input.command: NUL characters are not allowed',
        },
      },
    });
    expect((await bridge.services.store.readStream('decisions')).length).toBe(decided);
  });

  it('refuses a payload without tool_name with 400', async () => {
    const res = await hook(JSON.stringify({ hook_event_name: 'PreToolUse', tool_input: {} }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });
});

describe('Claude Code hook endpoint: what PostToolUse stores spends the write budgets', () => {
  let budgeted: TestBridge;

  beforeAll(async () => {
    budgeted = await startTestBridge(
      { dataDir: path.join(dir, 'budgeted') },
      { LIGHTHOUSE_RATE_WRITES_PER_MINUTE: '2', LIGHTHOUSE_RATE_WRITE_BYTES_PER_MINUTE: '4096' },
    );
  }, 120_000);

  afterAll(async () => {
    await budgeted?.close();
  });

  const post = (agent: string, input: Record<string, unknown>, response: unknown = { success: true }) =>
    hook(
      JSON.stringify({
        ...JSON.parse(fixture('post-write-project')),
        tool_input: input,
        tool_response: response,
      }),
      budgeted.hookToken(agent),
      budgeted.url,
    );
  const completedBy = async (agent: string) =>
    (await budgeted.services.store.readStream(`agent:${agent}`)).filter((e) => e.type === 'ToolCallCompleted')
      .length;

  it('one of `writes` per report: the third is 429, stores nothing, and PreToolUse still passes', async () => {
    expect((await post('poster', { n: 1 })).status).toBe(200);
    expect((await post('poster', { n: 2 })).status).toBe(200);
    const refused = await post('poster', { n: 3 });
    expect([refused.status, refused.body.error.code]).toEqual([429, 'rate_limited']);
    expect(refused.body.error).toMatchObject({ details: { budget: 'writes' } });
    expect(await completedBy('poster')).toBe(2);
    const pre = await hook(fixture('pre-read-project'), budgeted.hookToken('poster'), budgeted.url);
    expect(pre.body.hookSpecificOutput.permissionDecision).toBe('allow');
  });

  it('the bytes it stores spend `writeBytes`; the tool response, which it does not store, does not', async () => {
    // A large response is dropped: two reports well within the bytes.
    const big = 'x'.repeat(100_000);
    expect((await post('reader', { file_path: '/p/a' }, { content: big })).status).toBe(200);
    expect((await post('reader', { file_path: '/p/b' }, { content: big })).status).toBe(200);
    // A large input is stored: the budget's worth, then nothing more.
    expect((await post('filler', { content: big })).status).toBe(200);
    const refused = await post('filler', { content: 'y'.repeat(3_000) });
    expect([refused.status, refused.body.error]).toEqual([
      429,
      expect.objectContaining({ code: 'rate_limited', details: { budget: 'writeBytes' } }),
    ]);
    expect([await completedBy('reader'), await completedBy('filler')]).toEqual([2, 1]);
  });
});
