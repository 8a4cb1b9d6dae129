// What one agent can make every replica store and hold, over HTTP: the writes and
// writeBytes budgets shared by files, annotations, contexts, events and
// elicitation answers (429 rate_limited, Retry-After, counted), the caps on
// pending elicitations per requester and per target (429 quota_exceeded, no
// Retry-After), the size of a requestedSchema (400 with the path), and the
// project view's memory (507 project_full). Nothing refused is stored.
import { describe, expect, it } from '@jest/globals';
import type { BridgeClient, BridgeResponse } from '@lighthouse/bridge/client/bridge-client.js';
import { bridgeForSuite, type TestBridge } from './harness.js';
import { metric } from './scrape.js';

const WRITES = 4;
const WRITE_BYTES = 2 * 1_048_576;
let bridge: TestBridge;
bridgeForSuite(
  {
    LIGHTHOUSE_RATE_WRITES_PER_MINUTE: String(WRITES),
    LIGHTHOUSE_RATE_WRITE_BYTES_PER_MINUTE: String(WRITE_BYTES),
    LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_REQUESTER: '2',
    LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_TARGET: '3',
    LIGHTHOUSE_PROJECT_MAX_BYTES: '1048576',
  },
  (b) => (bridge = b),
);

type Refusal = { error: { code: string; message: string; details?: unknown } };
const error = (res: BridgeResponse<unknown>) => (res.body as Refusal).error;
const limited = (budget: string) => metric(bridge.url, 'lighthouse_bridge_rate_limited_total', { budget });

function expect429(res: BridgeResponse<unknown>, budget: string): void {
  expect([res.status, error(res).code, error(res).message]).toEqual([
    429,
    'rate_limited',
    `rate limit for ${budget} exceeded`,
  ]);
  expect(error(res).details).toEqual({ budget });
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

/** What an agent's writes left in the store: the tree, annotations, contexts and its own event stream. */
async function stored(agent: BridgeClient) {
  const [tree, annotations, contexts, events] = await Promise.all([
    agent.get<{ files: { path: string }[] }>('/v1/tree'),
    agent.get<{ annotations: unknown[] }>('/v1/annotations'),
    agent.get<{ contexts: unknown[] }>('/v1/contexts'),
    agent.get<{ events: unknown[] }>(`/v1/events?stream=notes-${agent.agentId}`),
  ]);
  return {
    files: tree.body.files.map((f) => f.path).filter((p) => p.startsWith(`${agent.agentId}/`)),
    annotations: annotations.body.annotations.length,
    contexts: contexts.body.contexts.length,
    events: events.body.events.length,
  };
}

describe('the writes budget', () => {
  it('is one budget for files, annotations, contexts and events; past it each is 429 and stores nothing', async () => {
    const agent = bridge.client('writer');
    const other = bridge.client('writer-2');
    const before = await limited('writes');
    const writes = [
      () => agent.post('/v1/files', { path: `writer/${Math.random()}.txt`, content: 'x' }),
      () => agent.post('/v1/annotations', { path: 'writer/a.txt', text: 'note' }),
      () => agent.post('/v1/contexts', { name: 'ctx', files: [] }),
      () => agent.post('/v1/events', { stream: 'notes-writer', events: [{ type: 'Noted', data: {} }] }),
    ];
    for (const write of writes) expect((await write()).status).toBe(201);
    const after = await stored(agent);
    expect(after).toMatchObject({ files: [expect.any(String)], events: 1 });
    for (const write of writes) expect429(await write(), 'writes');
    expect(await stored(agent)).toEqual(after);
    expect(await limited('writes')).toBe(before + writes.length);
    // Budgets are per agent; reads spend none.
    expect((await other.post('/v1/files', { path: 'writer-2/a.txt', content: 'x' })).status).toBe(201);
    expect((await agent.get('/v1/tree')).status).toBe(200);
  });
});

describe('the writeBytes budget', () => {
  it('counts body bytes: a write that would pass it is 429 and stores nothing, while small ones go on', async () => {
    const agent = bridge.client('bytes');
    const before = await limited('writeBytes');
    const big = (name: string) => ({ path: `bytes/${name}`, content: 'b'.repeat(1_200_000) });
    expect((await agent.post('/v1/files', big('one.txt'))).status).toBe(201);
    const refused = await agent.post('/v1/files', big('two.txt'));
    expect429(refused, 'writeBytes');
    // About 0.86 MiB are left, refilling at 2 MiB a minute: the 1.2 MB write needs ~10 s more.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(5);
    expect((await stored(agent)).files).toEqual(['bytes/one.txt']);
    expect(await limited('writeBytes')).toBe(before + 1);
    // The refused write spent no write: three small ones still pass.
    for (let i = 0; i < WRITES - 1; i++)
      expect((await agent.post('/v1/files', { path: `bytes/s${i}`, content: 's' })).status).toBe(201);
  });
});

describe('an elicitation answer', () => {
  it("spends the answerer's writes and writeBytes: an answer past them is 429 and stores nothing", async () => {
    // Up to a whole body (1 MiB) of content, which every replica keeps among its resolved elicitations.
    const question = {
      to: 'answerer',
      message: 'what is it?',
      requestedSchema: { type: 'object', properties: { text: { type: 'string' } } },
      timeoutSeconds: 600,
    };
    const ids: string[] = [];
    for (const asker of ['answer-asker-a', 'answer-asker-a', 'answer-asker-b']) {
      const created = await bridge.client(asker).post<{ id: string }>('/v1/elicitations', question);
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const answerer = bridge.client('answerer');
    const before = await limited('writeBytes');
    const answer = { content: { text: 'a'.repeat(1_000_000) } };
    expect((await answerer.post(`/v1/elicitations/${ids[0]}/accept`, answer)).status).toBe(200);
    expect((await answerer.post(`/v1/elicitations/${ids[1]}/accept`, answer)).status).toBe(200);
    expect429(await answerer.post(`/v1/elicitations/${ids[2]}/accept`, answer), 'writeBytes');
    expect(await limited('writeBytes')).toBe(before + 1);
    const third = await bridge.client('answer-asker-b').get<{ status: string }>(`/v1/elicitations/${ids[2]}`);
    expect(third.body.status).toBe('pending');
  });
});

describe('pending elicitations', () => {
  const ask = (to: string) => ({
    to,
    message: 'proceed?',
    requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
    timeoutSeconds: 600,
  });
  const pending = async (agent: BridgeClient, role: string) =>
    (await agent.get<{ elicitations: unknown[] }>(`/v1/elicitations?role=${role}&status=pending`)).body
      .elicitations.length;

  it('past the cap per requester: 429 quota_exceeded naming the limit, no Retry-After, nothing stored; freed by a cancel', async () => {
    const asker = bridge.client('asker');
    const first = await asker.post<{ id: string }>('/v1/elicitations', ask('helper'));
    expect(first.status).toBe(201);
    expect((await asker.post('/v1/elicitations', ask('helper'))).status).toBe(201);
    const refused = await asker.post('/v1/elicitations', ask('other-helper'));
    expect([refused.status, error(refused).code]).toEqual([429, 'quota_exceeded']);
    expect(error(refused).message).toContain('LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_REQUESTER (2)');
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(await pending(asker, 'requester')).toBe(2);
    expect(await pending(bridge.client('other-helper'), 'target')).toBe(0);
    expect((await asker.post(`/v1/elicitations/${first.body.id}/cancel`, {})).status).toBe(200);
    expect((await asker.post('/v1/elicitations', ask('other-helper'))).status).toBe(201);
  });

  it('past the cap per target: one more question to a full inbox is 429 quota_exceeded, whoever asks', async () => {
    const inbox = bridge.client('inbox');
    for (const [agent, n] of [
      ['asker-a', 2],
      ['asker-b', 1],
    ] as const) {
      for (let i = 0; i < n; i++)
        expect((await bridge.client(agent).post('/v1/elicitations', ask('inbox'))).status).toBe(201);
    }
    const refused = await bridge.client('asker-b').post('/v1/elicitations', ask('inbox'));
    expect([refused.status, error(refused).code]).toEqual([429, 'quota_exceeded']);
    expect(error(refused).message).toContain('LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_TARGET (3)');
    expect(await pending(inbox, 'target')).toBe(3);
    // asker-b may still ask someone else.
    expect((await bridge.client('asker-b').post('/v1/elicitations', ask('elsewhere'))).status).toBe(201);
  });

  it('a requestedSchema past a size limit is 400 invalid_schema with the path, nothing stored', async () => {
    const asker = bridge.client('schema-asker');
    const res = await asker.post('/v1/elicitations', {
      ...ask('helper-2'),
      requestedSchema: {
        type: 'object',
        properties: { a: { type: 'string', description: 'd'.repeat(5000) } },
      },
    });
    expect([res.status, error(res).code]).toEqual([400, 'invalid_schema']);
    expect(error(res).details).toEqual({
      problems: [
        {
          path: '/requestedSchema/properties/a/description',
          message: 'description is longer than 4000 characters',
        },
      ],
    });
    expect(await pending(asker, 'requester')).toBe(0);
  });
});

describe('the project view', () => {
  it('past LIGHTHOUSE_PROJECT_MAX_BYTES a write that grows it is 507 project_full and stores nothing; a delete frees room', async () => {
    const filler = bridge.client('filler');
    const file = (name: string) => ({ path: `filler/${name}`, content: 'f'.repeat(480_000) });
    expect((await filler.post('/v1/files', file('one.txt'))).status).toBe(201);
    expect((await filler.post('/v1/files', file('two.txt'))).status).toBe(201);
    const refused = await filler.post('/v1/files', file('three.txt'));
    expect([refused.status, error(refused).code]).toEqual([507, 'project_full']);
    expect(error(refused).message).toContain('LIGHTHOUSE_PROJECT_MAX_BYTES is 1048576');
    expect((await stored(filler)).files).toEqual(['filler/one.txt', 'filler/two.txt']);
    expect((await filler.post('/v1/files', { path: 'filler/one.txt', deleted: true })).status).toBe(201);
    // (filler has spent its four writes.)
    expect((await bridge.client('filler-2').post('/v1/files', file('three.txt'))).status).toBe(201);
  });
});
