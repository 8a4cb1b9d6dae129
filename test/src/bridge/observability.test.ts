// What an operator reads: /metrics counts exactly what its names say after a
// known sequence of requests, and the log lines say what failed (message, stack),
// for which request, without the secrets or request contents involved.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import pg from 'pg';
import winston from 'winston';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import type { EventStore } from '@lighthouse/bridge/events/index.js';
import { grantExpert, MASTER, startTestBridge, type TestBridge } from './harness.js';
import { metric } from './scrape.js';

let db: TestDatabase;
let bridge: TestBridge;
/** The JSON lines the bridge's logger writes. */
const lines: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startTestBridge({ databaseUrl: db.url });
  const { logger } = bridge.services;
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    }),
  );
  logger.level = 'debug';
  logger.silent = false;
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await db?.drop();
});

const m = (name: string, labels?: Record<string, string>) => metric(bridge.url, name, labels);

async function storedEvents(): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n);
  } finally {
    await c.end();
  }
}

describe('/metrics after a known sequence of requests', () => {
  it('counts decisions by tier, not refusals or dry runs, and every event appended by any path', async () => {
    const alice = bridge.client('alice');
    const read = { tool: 'Read', input: { file_path: '/w/observed' } };
    expect((await alice.post('/v1/validate', { tool: 'Read' })).status).toBe(400);
    expect((await alice.post('/v1/validate', read)).body).toMatchObject({ tier: 'policy' });
    expect((await alice.post('/v1/validate', read)).body).toMatchObject({ tier: 'cache' });
    expect((await alice.post('/v1/validate/dry-run', read)).status).toBe(200);
    expect(await m('lighthouse_bridge_validations_total', { decision: 'allow', tier: 'policy' })).toBe(1);
    expect(await m('lighthouse_bridge_validations_total', { decision: 'allow', tier: 'cache' })).toBe(1);
    expect(await m('lighthouse_bridge_validation_duration_seconds_count', { tier: 'policy' })).toBe(1);
    expect([
      await m('lighthouse_bridge_cache_hits_total'),
      await m('lighthouse_bridge_cache_misses_total'),
    ]).toEqual([1, 1]);

    // Every path that writes: a file, a grant, an elicitation, a revocation, the events API.
    expect((await alice.post('/v1/files', { path: 'observed.txt', content: 'hi' })).status).toBe(201);
    await grantExpert(bridge.admin(), 'bob', ['*']);
    const question = { to: 'bob', message: 'ok?', requestedSchema: { type: 'object', properties: {} } };
    expect((await alice.post('/v1/elicitations', question)).status).toBe(201);
    expect((await bridge.admin().post('/v1/agents/mallory/revoke', {})).status).toBe(200);
    const two = [
      { type: 'Noted', data: {} },
      { type: 'Noted', data: {} },
    ];
    expect((await alice.post('/v1/events', { stream: 'notes', events: two })).status).toBe(201);

    const stored = await storedEvents();
    expect(await m('lighthouse_bridge_events_appended_total')).toBe(stored);
    // One append each, the events API's two events in one.
    expect(await m('lighthouse_bridge_event_append_duration_seconds_count')).toBe(stored - 1);
  });

  it('counts a decision that could not be recorded as block/error, and logs why with its request id', async () => {
    const store = bridge.services.store as EventStore & { append: EventStore['append'] };
    const append = store.append.bind(store);
    store.append = (stream, events, opts) =>
      stream === 'decisions'
        ? Promise.reject(new Error('decisions disk on fire'))
        : append(stream, events, opts);
    const before = await m('lighthouse_bridge_validations_total', { decision: 'block', tier: 'error' });
    try {
      const res = await bridge.client('alice').post<{ decision: string; tier: string }>('/v1/validate', {
        tool: 'Bash',
        input: { command: 'echo secret-content-of-the-call' },
      });
      expect(res.body).toMatchObject({ decision: 'block', tier: 'error' });
      const logged = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.message === 'decision not recorded; blocking');
      expect(logged).toMatchObject({
        requestId: res.headers.get('x-request-id'),
        err: { name: 'Error', message: 'decisions disk on fire', stack: expect.stringContaining('Error:') },
      });
    } finally {
      store.append = append;
    }
    expect(await m('lighthouse_bridge_validations_total', { decision: 'block', tier: 'error' })).toBe(
      before + 1,
    );
  });
});

describe('logs', () => {
  it('name every auth failure by reason, and hold no key, credential, token, signature or call content', async () => {
    const body = JSON.stringify({ tool: 'Bash', input: { command: 'echo body-content-marker' } });
    const cases: [string, Record<string, string>][] = [
      ['missing_credentials', {}],
      ['bad_signature', { authorization: `Bearer ${bridge.hookToken('alice').slice(0, -4)}AAAA` }],
      ['not_hook_token', { authorization: `Bearer ${bridge.credential('alice')}` }],
    ];
    for (const [reason, headers] of cases) {
      const res = await fetch(`${bridge.url}/v1/hooks/claude-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
        401,
        reason,
      ]);
    }
    expect(await m('lighthouse_bridge_auth_failures_total', { reason: 'not_hook_token' })).toBe(1);
    const all = lines.join('');
    for (const secret of [
      MASTER.toString(),
      bridge.credential('alice'),
      bridge.credential('alice').split('.')[2]!,
      bridge.hookToken('alice').split('.')[2]!,
      'body-content-marker',
      'secret-content-of-the-call',
    ])
      expect(all).not.toContain(secret);
    // Every line logged while a request was served names it.
    const refused = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === 'request refused');
    expect(refused.length).toBeGreaterThan(0);
    for (const l of refused) expect(l.requestId).toEqual(expect.any(String));
  });
});
