// Every event the bridge appends while serving a request names the request
// (metadata.correlationId: its X-Request-Id) and the verified agent
// (metadata.agentId); events that follow from an earlier one name it
// (metadata.causationId). Against a bridge on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseCredential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startTestBridge, until, type TestBridge } from './harness.js';

let db: TestDatabase;
let bridge: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startTestBridge({ databaseUrl: db.url }, { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: '300' });
}, 120_000);
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

interface Stored {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

const streamOf = async (stream: string): Promise<Stored[]> =>
  (await bridge.admin().get<{ events: Stored[] }>(`/v1/events?stream=${encodeURIComponent(stream)}`)).body
    .events;

/** A signed POST as `agent` carrying the given X-Request-Id. */
async function postWithRequestId(agent: string, path: string, body: unknown, requestId: string) {
  const payload = JSON.stringify(body);
  const res = await fetch(bridge.url + path, {
    method: 'POST',
    headers: {
      ...signedHeaders(parseCredential(bridge.credential(agent)), 'POST', path, payload),
      'content-type': 'application/json',
      'x-request-id': requestId,
    },
    body: payload,
  });
  return {
    status: res.status,
    requestId: res.headers.get('x-request-id'),
    body: (await res.json()) as never,
  };
}

describe('event metadata', () => {
  it("a decision names the validate request (the client's X-Request-Id) and the signer", async () => {
    const r = await postWithRequestId(
      'alice',
      '/v1/validate',
      { tool: 'Read', input: { file_path: '/w/notes.md' } },
      'trace-7f3a.1',
    );
    expect([r.status, r.requestId]).toEqual([200, 'trace-7f3a.1']);
    const { decisionId } = r.body as { decisionId: string };
    const decided = (await streamOf('decisions')).find((e) => e.id === decisionId);
    expect(decided?.metadata).toEqual({ agentId: 'alice', correlationId: 'trace-7f3a.1' });
  });

  it("an agent's own event keeps its correlation id but never its claimed agent id", async () => {
    const alice = bridge.client('alice');
    const own = await alice.post('/v1/events', {
      stream: 'wf-metadata',
      events: [{ type: 'Step', data: {}, metadata: { agentId: 'mallory', correlationId: 'workflow-9' } }],
    });
    const plain = await alice.post('/v1/events', {
      stream: 'wf-metadata',
      events: [{ type: 'Step', data: {} }],
    });
    expect([own.status, plain.status]).toEqual([201, 201]);
    const [first, second] = await streamOf('wf-metadata');
    expect(first!.metadata).toEqual({ agentId: 'alice', correlationId: 'workflow-9' });
    expect(second!.metadata).toEqual({ agentId: 'alice', correlationId: plain.headers.get('x-request-id') });
  });

  it("an elicitation's answer names the question as its cause and its own request", async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    const asked = await bridge
      .client('alice')
      .post<{ id: string }>('/v1/elicitations', { to: 'bob', message: 'Ship?', requestedSchema: schema });
    expect(asked.status).toBe(201);
    const id = asked.body.id;
    const answered = await bridge
      .client('bob')
      .post(`/v1/elicitations/${id}/accept`, { content: { ok: true } });
    expect(answered.status).toBe(200);
    const [requested, accepted] = await streamOf(`elicitation:${id}`);
    expect(requested).toMatchObject({
      id,
      type: 'ElicitationRequested',
      metadata: {
        participants: ['alice', 'bob'],
        agentId: 'alice',
        correlationId: asked.headers.get('x-request-id'),
      },
    });
    expect(requested!.metadata.causationId).toBeUndefined();
    expect(accepted).toMatchObject({
      type: 'ElicitationAccepted',
      metadata: {
        participants: ['alice', 'bob'],
        agentId: 'bob',
        correlationId: answered.headers.get('x-request-id'),
        causationId: id,
      },
    });
  });

  it("an escalation's expiry names the escalation as its cause, in the escalating request's correlation", async () => {
    const res = await bridge.client('carol').post<{ decision: string; decisionId: string }>('/v1/validate', {
      tool: 'Bash',
      input: { command: 'echo "unterminated' },
    });
    expect([res.status, res.body.decision]).toEqual([200, 'block']);
    const requestId = res.headers.get('x-request-id');
    const escalations = await until(async () => {
      const r = await bridge
        .admin()
        .get<{ events: Stored[] }>(
          '/v1/events?streamPrefix=escalation:&types=EscalationRequested,EscalationExpired',
        );
      const mine = r.body.events.filter((e) => e.metadata.correlationId === requestId);
      return mine.length === 2 ? mine : undefined;
    });
    const [requested, expired] = escalations;
    expect(requested).toMatchObject({ type: 'EscalationRequested', metadata: { agentId: 'carol' } });
    expect(requested!.id).toBe(requested!.data.id);
    expect(expired).toMatchObject({
      type: 'EscalationExpired',
      metadata: { causationId: requested!.id, correlationId: requestId },
    });
  });
});

describe('LIGHTHOUSE_EVENT_MAX_BYTES', () => {
  it('raises the largest event the bridge stores; one over it is refused and nothing is written', async () => {
    const big = await startTestBridge(
      { databaseUrl: db.url },
      {
        LIGHTHOUSE_BODY_LIMIT_BYTES: String(4 * 1_048_576),
        LIGHTHOUSE_EVENT_MAX_BYTES: String(2 * 1_048_576),
      },
    );
    try {
      const event = (kib: number) => ({
        stream: 'big-events',
        events: [{ type: 'Blob', data: 'x'.repeat(kib * 1024) }],
      });
      const fits = await big.client('alice').post('/v1/events', event(1536));
      expect(fits.status).toBe(201);
      const over = await big.client('alice').post<{ error: { code: string } }>('/v1/events', event(2560));
      expect([over.status, over.body.error.code]).toEqual([400, 'event_too_large']);
      expect((await streamOf('big-events')).length).toBe(1);
    } finally {
      await big.close();
    }
  });
});
