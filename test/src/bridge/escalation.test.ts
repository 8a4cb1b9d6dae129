// Escalation to experts across two replicas sharing PostgreSQL: SSE and long
// poll, answers unblocking the waiting validation, timeouts and disconnects
// ending in `block`, and only the routed expert answering.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { grantExpert, sseEvents, startTestBridge, until, type TestBridge } from './harness.js';

// The answer tests must finish the expert's round trip within the escalation
// timeout of the bridges they use (a, b): generous, so a loaded machine cannot
// overrun it. The timeout tests wait it out, on a bridge of their own (t).
const ANSWER_TIMEOUT_MS = 10_000;
const TIMEOUT_MS = 2_500;
let db: TestDatabase;
let a: TestBridge;
let b: TestBridge;
let t: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  const env = { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: String(ANSWER_TIMEOUT_MS) };
  a = await startTestBridge({ databaseUrl: db.url }, env);
  b = await startTestBridge({ databaseUrl: db.url }, env);
  t = await startTestBridge(
    { databaseUrl: db.url },
    { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: String(TIMEOUT_MS) },
  );
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await t?.close();
  await db?.drop();
});

// The default policy escalates service control (category `privileged`).
const privileged = (n: number) => ({ tool: 'Bash', input: { command: `systemctl restart svc${n}` } });

interface EscalationView {
  id: string;
  agentId: string;
  tool: string;
  category: string;
  routedTo: string | null;
}

/** Granted `capabilities` (the replicas share the store: any one's admin grants) and registered for them. */
async function register(client: BridgeClient, capabilities: string[]) {
  await grantExpert(a.admin(), client.agentId, capabilities);
  const res = await client.post('/v1/experts', { capabilities });
  expect(res.status).toBe(201);
}

async function openStream(client: BridgeClient) {
  const ctl = new AbortController();
  const res = await client.fetch('GET', '/v1/escalations/stream', undefined, ctl.signal);
  expect(res.status).toBe(200);
  return { events: sseEvents(res, 'escalation') as AsyncGenerator<EscalationView>, close: () => ctl.abort() };
}

describe('escalation', () => {
  it('an expert on the SSE stream answers allow and the validation returns at once', async () => {
    const expert = a.client('expert-sse');
    await register(expert, ['privileged']);
    const stream = await openStream(expert);
    try {
      const started = Date.now();
      const validation = a.client('agent-1').post<Record<string, unknown>>('/v1/validate', privileged(1));
      const { value } = await stream.events.next();
      expect(value).toMatchObject({
        agentId: 'agent-1',
        tool: 'Bash',
        category: 'privileged',
        routedTo: 'expert-sse',
      });
      const answer = await expert.post(`/v1/escalations/${value!.id}/decision`, {
        decision: 'allow',
        reason: 'maintenance window',
      });
      expect(answer.status).toBe(200);
      const res = await validation;
      expect(res.body).toMatchObject({
        decision: 'allow',
        tier: 'escalation',
        reason: 'maintenance window',
        ruleId: 'service-control',
      });
      expect(Date.now() - started).toBeLessThan(ANSWER_TIMEOUT_MS);
      // A second answer is refused: the first one stands.
      const again = await expert.post<{ error: { code: string } }>(`/v1/escalations/${value!.id}/decision`, {
        decision: 'block',
      });
      expect([again.status, again.body.error.code]).toEqual([409, 'already_resolved']);
    } finally {
      stream.close();
    }
  });

  it('an expert long-polling another replica answers block for an escalation raised here', async () => {
    const expert = b.client('expert-poll');
    await register(expert, ['*']);
    const poll = expert.get<{ escalations: EscalationView[] }>('/v1/escalations?wait=10');
    // The poll must be open (the expert connected) before the escalation is routed.
    await until(() => (a.services.experts.isConnected('expert-poll') ? true : undefined));
    const validation = a.client('agent-2').post<Record<string, unknown>>('/v1/validate', privileged(2));
    const { body } = await poll;
    const mine = body.escalations.find((e) => e.agentId === 'agent-2');
    expect(mine).toBeDefined();
    const answer = await expert.post(`/v1/escalations/${mine!.id}/decision`, {
      decision: 'block',
      reason: 'not during business hours',
    });
    expect(answer.status).toBe(200);
    expect((await validation).body).toMatchObject({
      decision: 'block',
      tier: 'escalation',
      reason: 'not during business hours',
    });
  });

  it('a replica started later knows the registered experts: one reconnects without registering again', async () => {
    const expert = a.client('expert-before-restart');
    await register(expert, ['privileged']);
    const c = await startTestBridge(
      { databaseUrl: db.url },
      { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: String(ANSWER_TIMEOUT_MS) },
    );
    try {
      expect(c.services.experts.all().find((e) => e.id === 'expert-before-restart')?.capabilities).toEqual([
        'privileged',
      ]);
      const ctl = new AbortController();
      const res = await c
        .client('expert-before-restart')
        .fetch('GET', '/v1/escalations/stream', undefined, ctl.signal);
      const events = sseEvents(res, 'escalation') as AsyncGenerator<EscalationView>;
      try {
        await until(() => (c.services.experts.isConnected('expert-before-restart') ? true : undefined));
        const validation = c
          .client('agent-restart')
          .post<Record<string, unknown>>('/v1/validate', privileged(90));
        const { value } = await events.next();
        expect(value).toMatchObject({ agentId: 'agent-restart', routedTo: 'expert-before-restart' });
        await c
          .client('expert-before-restart')
          .post(`/v1/escalations/${value!.id}/decision`, { decision: 'allow' });
        expect((await validation).body).toMatchObject({ decision: 'allow', tier: 'escalation' });
      } finally {
        ctl.abort();
      }
    } finally {
      await c.close();
    }
  });

  it('only the expert an escalation is routed to may answer it', async () => {
    // Experts of the earlier tests have gone (after the reconnect grace period) on both replicas.
    await until(() =>
      a.services.experts.connectedCount() + b.services.experts.connectedCount() === 0 ? true : undefined,
    );
    const first = a.client('expert-x');
    const second = a.client('expert-y');
    await register(first, ['privileged']);
    await register(second, ['privileged']);
    const s1 = await openStream(first);
    const s2 = await openStream(second);
    try {
      const validation = a.client('agent-3').post<Record<string, unknown>>('/v1/validate', privileged(3));
      const e = await until(() =>
        [
          ...a.services.escalations.pendingFor('expert-x'),
          ...a.services.escalations.pendingFor('expert-y'),
        ].find((x) => x.agentId === 'agent-3'),
      );
      expect(['expert-x', 'expert-y']).toContain(e.routedTo);
      const routed = e.routedTo === 'expert-x' ? first : second;
      const other = routed === first ? second : first;
      const refused = await other.post<{ error: { code: string } }>(`/v1/escalations/${e.id}/decision`, {
        decision: 'allow',
      });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'not_routed_to_you']);
      const outsider = a.client('agent-3');
      const notExpert = await outsider.post<{ error: { code: string } }>(`/v1/escalations/${e.id}/decision`, {
        decision: 'allow',
      });
      expect([notExpert.status, notExpert.body.error.code]).toEqual([403, 'not_granted']);
      expect((await routed.post(`/v1/escalations/${e.id}/decision`, { decision: 'block' })).status).toBe(200);
      expect((await validation).body).toMatchObject({ decision: 'block', tier: 'escalation' });
    } finally {
      s1.close();
      s2.close();
    }
  });

  it('a call too large for one escalation event is escalated with its input as the decision log keeps it', async () => {
    const expert = a.client('expert-large');
    await register(expert, ['integrity']);
    const stream = await openStream(expert);
    try {
      // Over the store's 1 MiB per event, within what a tool call may carry.
      const content = 'x'.repeat(1_200_000);
      const validation = a.client('agent-large').post<Record<string, unknown>>('/v1/validate', {
        tool: 'Write',
        input: { file_path: '~/.bashrc', content },
      });
      const { value } = await stream.events.next();
      const seen = value as EscalationView & { input: Record<string, unknown> };
      expect(seen).toMatchObject({ agentId: 'agent-large', tool: 'Write', category: 'integrity' });
      expect(seen.input).toEqual({
        file_path: '~/.bashrc',
        content: {
          omitted: true,
          bytes: Buffer.byteLength(JSON.stringify(content)),
          sha256: createHash('sha256').update(JSON.stringify(content)).digest('hex'),
        },
      });
      await expert.post(`/v1/escalations/${seen.id}/decision`, { decision: 'allow', reason: 'reviewed' });
      expect((await validation).body).toMatchObject({
        decision: 'allow',
        tier: 'escalation',
        reason: 'reviewed',
      });
    } finally {
      stream.close();
    }
  });

  it('with no expert the validation waits for the timeout and blocks', async () => {
    const started = Date.now();
    // A category no expert decides: write to a crontab.
    const res = await t.client('agent-4').post<Record<string, unknown>>('/v1/validate', {
      tool: 'Bash',
      input: { command: 'crontab /tmp/jobs' },
    });
    expect(res.body).toMatchObject({ decision: 'block', tier: 'escalation', reason: 'escalation_timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });

  it('an expert that disconnects mid-wait leaves the validation to time out as block', async () => {
    const expert = t.client('expert-gone');
    await register(expert, ['privileged']);
    const stream = await openStream(expert);
    // Other experts from earlier tests are disconnected by now or decide other categories.
    const validation = t.client('agent-5').post<Record<string, unknown>>('/v1/validate', privileged(5));
    const { value } = await stream.events.next();
    expect(value?.agentId).toBe('agent-5');
    stream.close();
    const res = await validation;
    expect(res.body).toMatchObject({ decision: 'block', reason: 'escalation_timeout' });
  });

  it('answers 404 for an unknown escalation and 400 for a bad decision', async () => {
    const expert = a.client('expert-sse');
    const missing = await expert.post<{ error: { code: string } }>(
      '/v1/escalations/00000000-0000-4000-8000-000000000000/decision',
      {
        decision: 'allow',
      },
    );
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    const bad = await expert.post<{ error: { code: string } }>(
      '/v1/escalations/00000000-0000-4000-8000-000000000000/decision',
      {
        decision: 'maybe',
      },
    );
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('every escalation outcome is in the event store', async () => {
    const page = await a.services.store.readAll({ streamPrefix: 'escalation:', limit: 1000 });
    const types = page.events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['EscalationRequested', 'EscalationDecided', 'EscalationExpired']),
    );
  });
  it('a replica started after an escalation was raised takes it over, and expires it when its raiser is gone', async () => {
    // A database of its own: the replicas above would hear of the escalation and expire it themselves.
    const own = await createTestDatabase();
    const env = { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: String(TIMEOUT_MS) };
    const raiser = await startTestBridge({ databaseUrl: own.url }, env);
    let raiserUp = true;
    let later: TestBridge | undefined;
    try {
      const raised = await raiser
        .client('agent-orphan')
        .post<{ decision: string }>('/v1/validate', { ...privileged(77), wait: false });
      expect(raised.body.decision).toBe('escalate');
      const requested = await until(async () => {
        const page = await raiser.services.store.readAll({ types: ['EscalationRequested'], limit: 10 });
        return page.events[0];
      });
      later = await startTestBridge({ databaseUrl: own.url }, env);
      expect(later.services.escalations.pendingCount).toBe(1);
      await raiser.close(); // gone before the deadline: it will not expire it
      raiserUp = false;

      const stream = requested.stream;
      const expired = await until(async () => {
        const events = await later!.services.store.readStream(stream);
        return events[1];
      }, TIMEOUT_MS + 15_000);
      expect(expired).toMatchObject({ type: 'EscalationExpired', version: 2 });
      expect(later.services.escalations.pendingCount).toBe(0);
    } finally {
      await later?.close();
      if (raiserUp) await raiser.close();
      await own.drop();
    }
  }, 60_000);
});
