// The per-agent rate budgets over HTTP: validate, escalations and elicitation are
// spent apart (one exhausted leaves the others), the Claude Code hook draws on the
// validate budget, and every 429 is counted in lighthouse_bridge_rate_limited_total.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BridgeResponse } from '@lighthouse/bridge/client/bridge-client.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startTestBridge, until, type TestBridge } from './harness.js';
import { metric } from './scrape.js';

const VALIDATE = 6;
let db: TestDatabase;
let bridge: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startTestBridge(
    { databaseUrl: db.url },
    {
      LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: String(VALIDATE),
      LIGHTHOUSE_RATE_ESCALATIONS_PER_MINUTE: '2',
      LIGHTHOUSE_RATE_ELICITATION_PER_MINUTE: '2',
      LIGHTHOUSE_ESCALATION_TIMEOUT_MS: '1000',
    },
  );
}, 60_000);

afterAll(async () => {
  // Escalations raised with wait:false expire on their own; let them finish first.
  if (bridge) await until(() => (bridge.services.escalations.pendingCount === 0 ? true : undefined), 10_000);
  await bridge?.close();
  await db?.drop();
});

type Refusal = { error: { code: string; message: string; details?: { budget?: string } } };

const read = { tool: 'Read', input: { file_path: '/work/a.ts' } };
// Escalated by the default policy (service control); wait:false answers `escalate` at once.
const privileged = (n: number) => ({
  tool: 'Bash',
  input: { command: `systemctl restart svc${n}` },
  wait: false,
});
const question = {
  to: 'someone',
  message: 'proceed?',
  requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
  timeoutSeconds: 60,
};
const limited = (budget: string) => metric(bridge.url, 'lighthouse_bridge_rate_limited_total', { budget });

function expect429(res: BridgeResponse<unknown>, budget: string): void {
  expect(res.status).toBe(429);
  const body = res.body as Refusal;
  expect(body.error.code).toBe('rate_limited');
  expect(body.error.message).toBe(`rate limit for ${budget} exceeded`);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

async function hook(agent: string) {
  const res = await fetch(`${bridge.url}/v1/hooks/claude-code`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bridge.hookToken(agent)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: read.input }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Refusal,
  };
}

describe('rate budgets over HTTP', () => {
  it('escalations: the third escalating call is 429 while plain validations go on', async () => {
    const agent = bridge.client('esc-agent');
    const before = await limited('escalations');
    for (const n of [1, 2]) {
      const res = await agent.post<{ decision: string }>('/v1/validate', privileged(n));
      expect([res.status, res.body.decision]).toEqual([200, 'escalate']);
    }
    expect429(await agent.post('/v1/validate', privileged(3)), 'escalations');
    expect(await limited('escalations')).toBe(before + 1);
    // Four validate tokens of six spent: a call that needs no expert is decided.
    const plain = await agent.post<{ decision: string }>('/v1/validate', read);
    expect([plain.status, plain.body.decision]).toEqual([200, 'allow']);
    expect(await limited('validate')).toBe(0);
  });

  it('elicitation: the third question is 429 while validations go on', async () => {
    const agent = bridge.client('eli-agent');
    const before = await limited('elicitation');
    for (let i = 0; i < 2; i++) expect((await agent.post('/v1/elicitations', question)).status).toBe(201);
    const refused = await agent.post('/v1/elicitations', question);
    expect429(refused, 'elicitation');
    expect((refused.body as Refusal).error.details).toEqual({ budget: 'elicitation' });
    expect(await limited('elicitation')).toBe(before + 1);
    expect((await agent.post('/v1/validate', read)).status).toBe(200);
  });

  it('validate: once spent, validations are 429 but the agent may still ask questions', async () => {
    const agent = bridge.client('val-agent');
    const before = await limited('validate');
    for (let i = 0; i < VALIDATE; i++) expect((await agent.post('/v1/validate', read)).status).toBe(200);
    const refused = await agent.post('/v1/validate', read);
    expect429(refused, 'validate');
    expect((refused.body as Refusal).error.details).toEqual({ budget: 'validate' });
    expect((await agent.post('/v1/validate/dry-run', read)).status).toBe(429);
    expect(await limited('validate')).toBe(before + 2);
    expect((await agent.post('/v1/elicitations', question)).status).toBe(201);
  });

  it('the Claude Code hook spends the same validate budget as /v1/validate', async () => {
    const agent = bridge.client('hook-agent');
    const before = await limited('validate');
    for (let i = 0; i < VALIDATE - 2; i++) expect((await agent.post('/v1/validate', read)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await hook('hook-agent')).status).toBe(200);
    const refused = await hook('hook-agent');
    expect([refused.status, refused.body.error.code]).toEqual([429, 'rate_limited']);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await agent.post('/v1/validate', read)).status).toBe(429);
    expect(await limited('validate')).toBe(before + 2);
    // Another agent's hook has its own budget.
    expect((await hook('hook-other')).status).toBe(200);
  });
});
