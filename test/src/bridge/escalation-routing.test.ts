// Escalations and experts as /metrics shows them (the pending and connected
// gauges rise and fall), and routing when the routed expert goes away: after the
// reconnect grace another expert of the category receives the escalation and may
// answer it; the first answer stands.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { grantExpert, sseEvents, startTestBridge, until, type TestBridge } from './harness.js';
import { metric } from './scrape.js';

const TIMEOUT_MS = 15_000;
let db: TestDatabase;
let bridge: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startTestBridge(
    { databaseUrl: db.url },
    { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: String(TIMEOUT_MS) },
  );
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

interface EscalationView {
  id: string;
  agentId: string;
  routedTo: string | null;
}

// The default policy escalates service control (category `privileged`).
const privileged = (n: number) => ({ tool: 'Bash', input: { command: `systemctl restart svc${n}` } });

async function expertStream(client: BridgeClient) {
  await grantExpert(bridge.admin(), client.agentId, ['privileged']);
  expect((await client.post('/v1/experts', { capabilities: ['privileged'] })).status).toBe(201);
  const ctl = new AbortController();
  const res = await client.fetch('GET', '/v1/escalations/stream', undefined, ctl.signal);
  expect(res.status).toBe(200);
  return { events: sseEvents(res, 'escalation') as AsyncGenerator<EscalationView>, close: () => ctl.abort() };
}

/** `p`, or a failure after `ms` (so a missing delivery fails the test instead of hanging it). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

const gauge = (name: string) => metric(bridge.url, name);
const gaugeReaches = (name: string, value: number) =>
  until(async () => ((await gauge(name)) === value ? true : undefined), 6_000);

describe('escalation gauges on /metrics', () => {
  it('experts_connected and escalations_pending go up while an expert streams and an escalation waits, then down', async () => {
    expect(await gauge('lighthouse_bridge_experts_connected')).toBe(0);
    expect(await gauge('lighthouse_bridge_escalations_pending')).toBe(0);
    const expert = bridge.client('gauge-expert');
    const stream = await expertStream(expert);
    try {
      await gaugeReaches('lighthouse_bridge_experts_connected', 1);
      const validation = bridge
        .client('gauge-agent')
        .post<{ decision: string }>('/v1/validate', privileged(1));
      const { value } = await within(stream.events.next(), 5_000, 'escalation on the stream');
      await gaugeReaches('lighthouse_bridge_escalations_pending', 1);
      expect((await expert.post(`/v1/escalations/${value!.id}/decision`, { decision: 'allow' })).status).toBe(
        200,
      );
      expect((await validation).body.decision).toBe('allow');
      await gaugeReaches('lighthouse_bridge_escalations_pending', 0);
    } finally {
      stream.close();
    }
    // Disconnected once the reconnect grace (2 s) has passed.
    await gaugeReaches('lighthouse_bridge_experts_connected', 0);
  });
});

describe('routing when the routed expert disconnects', () => {
  it('another expert of the category receives the escalation and answers it; the first expert is then too late', async () => {
    await until(() => (bridge.services.experts.connectedCount() === 0 ? true : undefined), 6_000);
    const first = bridge.client('fallback-a');
    const second = bridge.client('fallback-b');
    const a = await expertStream(first);
    const b = await expertStream(second);
    try {
      await until(() => (bridge.services.experts.connectedCount() === 2 ? true : undefined));
      const started = Date.now();
      const validation = bridge
        .client('fallback-agent')
        .post<{ decision: string; reason: string; tier: string }>('/v1/validate', privileged(2));
      // Equal load: routed to the first by id.
      const { value: routed } = await within(a.events.next(), 5_000, 'escalation on the routed stream');
      expect(routed).toMatchObject({ agentId: 'fallback-agent', routedTo: 'fallback-a' });
      const id = routed!.id;
      const early = await second.post<{ error: { code: string } }>(`/v1/escalations/${id}/decision`, {
        decision: 'allow',
      });
      expect([early.status, early.body.error.code]).toEqual([403, 'not_routed_to_you']);

      a.close();
      const { value: redelivered } = await within(
        b.events.next(),
        8_000,
        'escalation offered to the other expert',
      );
      expect(redelivered).toMatchObject({ id, routedTo: 'fallback-a' });
      const answer = await second.post(`/v1/escalations/${id}/decision`, {
        decision: 'allow',
        reason: 'covered for fallback-a',
      });
      expect(answer.status).toBe(200);
      expect((await validation).body).toMatchObject({
        decision: 'allow',
        tier: 'escalation',
        reason: 'covered for fallback-a',
      });
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);

      const late = await first.post<{ error: { code: string } }>(`/v1/escalations/${id}/decision`, {
        decision: 'block',
      });
      expect([late.status, late.body.error.code]).toEqual([409, 'already_resolved']);
      const events = await bridge.services.store.readStream(`escalation:${id}`);
      expect(events.map((e) => e.type)).toEqual(['EscalationRequested', 'EscalationDecided']);
      expect(events[1]?.data).toMatchObject({ decision: 'allow', expertId: 'fallback-b' });
    } finally {
      a.close();
      b.close();
    }
  });

  // Current behaviour, kept on purpose: a long-poll expert is disconnected between polls,
  // and a person may take longer than the 2 s grace to decide.
  it('an expert whose connection has gone may still answer an escalation routed to it while nobody else has', async () => {
    await until(() => (bridge.services.experts.connectedCount() === 0 ? true : undefined), 6_000);
    const expert = bridge.client('fallback-poll');
    await grantExpert(bridge.admin(), 'fallback-poll', ['privileged']);
    expect((await expert.post('/v1/experts', { capabilities: ['privileged'] })).status).toBe(201);
    const poll = expert.get<{ escalations: EscalationView[] }>('/v1/escalations?wait=10');
    await until(() => (bridge.services.experts.isConnected('fallback-poll') ? true : undefined));
    const validation = bridge
      .client('fallback-agent')
      .post<{ decision: string; reason: string; tier: string }>('/v1/validate', privileged(3));
    const e = (await poll).body.escalations.find((x) => x.agentId === 'fallback-agent');
    expect(e).toMatchObject({ routedTo: 'fallback-poll' });
    await until(() => (bridge.services.experts.isConnected('fallback-poll') ? undefined : true), 6_000);
    const answer = await expert.post(`/v1/escalations/${e!.id}/decision`, {
      decision: 'block',
      reason: 'decided after the poll',
    });
    expect(answer.status).toBe(200);
    expect((await validation).body).toMatchObject({
      decision: 'block',
      tier: 'escalation',
      reason: 'decided after the poll',
    });
  });
});
