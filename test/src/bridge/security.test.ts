// The authentication and authorisation rules of the bridge API, against two
// real bridge replicas sharing one PostgreSQL database.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  issueCredential,
  issueHookToken,
  parseCredential,
  parseHookToken,
} from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { MASTER, startTestBridge, type TestBridge } from './harness.js';

let db: TestDatabase;
let a: TestBridge;
let b: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await startTestBridge({ databaseUrl: db.url }, { LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: '5' });
  b = await startTestBridge({ databaseUrl: db.url });
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const readCall = { tool: 'Read', input: { file_path: '/work/a.ts' } };

async function send(
  bridge: TestBridge,
  headers: Record<string, string>,
  body: string,
  path = '/v1/validate',
  method = 'POST',
): Promise<{ status: number; body: { error?: { code: string } } }> {
  const res = await fetch(bridge.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

function signed(agent: string, body: string, opts: { path?: string; method?: string; now?: number } = {}) {
  return signedHeaders(
    parseCredential(issueCredential(MASTER, agent)),
    opts.method ?? 'POST',
    opts.path ?? '/v1/validate',
    body,
    opts.now,
  );
}

describe('request signing', () => {
  it('accepts a correctly signed request', async () => {
    const res = await b.client('alice').post('/v1/validate', readCall);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decision: 'allow', tier: 'policy' });
  });

  it('refuses a replayed nonce, also on the other replica', async () => {
    const body = JSON.stringify(readCall);
    const headers = signed('alice', body);
    expect((await send(b, headers, body)).status).toBe(200);
    const again = await send(b, headers, body);
    expect(again).toEqual({
      status: 401,
      body: { error: expect.objectContaining({ code: 'replayed_nonce' }) },
    });
    const elsewhere = await send(a, headers, body);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.error?.code).toBe('replayed_nonce');
  });

  it.each([
    ['stale', -301],
    ['future', 301],
  ])('refuses a %s timestamp', async (_kind, offset) => {
    const body = JSON.stringify(readCall);
    const res = await send(b, signed('alice', body, { now: Math.floor(Date.now() / 1000) + offset }), body);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('stale_timestamp');
  });

  it('refuses a tampered body, path or method', async () => {
    const body = JSON.stringify(readCall);
    const tamperedBody = JSON.stringify({ tool: 'Bash', input: { command: 'rm -rf /' } });
    expect((await send(b, signed('alice', body), tamperedBody)).body.error?.code).toBe('bad_signature');
    expect((await send(b, signed('alice', body, { path: '/v1/events' }), body)).body.error?.code).toBe(
      'bad_signature',
    );
    const res = await send(b, signed('alice', body, { method: 'PUT' }), body);
    expect([res.status, res.body.error?.code]).toEqual([401, 'bad_signature']);
  });

  it("refuses a signature made with another agent's key", async () => {
    const body = JSON.stringify(readCall);
    const headers = { ...signed('mallory', body), 'x-lighthouse-agent': 'alice' };
    expect((await send(b, headers, body)).body.error?.code).toBe('bad_signature');
  });

  it("refuses a request signed with the agent's hook token: it is not the signing key", async () => {
    const body = JSON.stringify(readCall);
    const hookKey = parseHookToken(issueHookToken(MASTER, 'alice'));
    const res = await send(b, signedHeaders(hookKey, 'POST', '/v1/validate', body), body);
    expect([res.status, res.body.error?.code]).toEqual([401, 'bad_signature']);
  });

  it('refuses missing headers and malformed agent ids', async () => {
    const body = JSON.stringify(readCall);
    expect((await send(b, {}, body)).body.error?.code).toBe('missing_credentials');
    const headers = { ...signed('alice', body), 'x-lighthouse-agent': 'no.dots' };
    expect((await send(b, headers, body)).body.error?.code).toBe('unknown_agent');
  });

  it('refuses an agent id in the body that is not the signer (403)', async () => {
    const res = await b.client('alice').post('/v1/validate', { ...readCall, agentId: 'bob' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: { code: 'agent_mismatch', message: expect.any(String) } });
  });

  it('refuses a body agent id that is not the signer on dry-run and expert registration too (403)', async () => {
    const alice = b.client('alice');
    const mismatch = { error: { code: 'agent_mismatch', message: expect.any(String) } };
    const dry = await alice.post('/v1/validate/dry-run', { ...readCall, agentId: 'bob' });
    expect([dry.status, dry.body]).toEqual([403, mismatch]);
    const expert = await alice.post('/v1/experts', { capabilities: ['*'], agentId: 'bob' });
    expect([expert.status, expert.body]).toEqual([403, mismatch]);
    // Nobody became an expert; the signer's own id in the body is fine.
    expect([b.services.experts.get('bob'), b.services.experts.get('alice')]).toEqual([undefined, undefined]);
    const own = await alice.post('/v1/validate/dry-run', { ...readCall, agentId: 'alice' });
    expect([own.status, (own.body as { decision?: string }).decision]).toEqual([200, 'allow']);
  });

  it('refuses a body agent id that is not the signer on every route, storing nothing (403)', async () => {
    const alice = b.client('alice');
    const mismatch = { error: { code: 'agent_mismatch', message: expect.any(String) } };
    for (const [route, body] of [
      ['/v1/files', { path: 'mismatch.txt', content: 'x' }],
      ['/v1/annotations', { path: 'mismatch.txt', text: 'x', severity: 'info' }],
      ['/v1/contexts', { name: 'mismatch', files: [] }],
      ['/v1/elicitations', { to: 'carl', message: 'm', requestedSchema: { type: 'object', properties: {} } }],
      ['/v1/events', { stream: 'mismatch:1', events: [{ type: 'Noted', data: {} }] }],
    ] as const) {
      const res = await alice.post(route, { ...body, agentId: 'bob' });
      expect([route, res.status, res.body]).toEqual([route, 403, mismatch]);
    }
    expect((await alice.get('/v1/files/mismatch.txt')).status).toBe(404);
    expect((await alice.get<{ events: unknown[] }>('/v1/events?stream=mismatch:1')).body.events).toEqual([]);
  });

  it('counts failures by reason in /metrics', async () => {
    const text = await (await fetch(`${b.url}/metrics`)).text();
    expect(text).toMatch(/lighthouse_bridge_auth_failures_total\{reason="replayed_nonce"\} [1-9]/);
    expect(text).toMatch(/lighthouse_bridge_auth_failures_total\{reason="bad_signature"\} [1-9]/);
  });
});

describe('revocation', () => {
  it('a revocation through one replica is honoured by the other within a second', async () => {
    const carol = b.client('carol');
    expect((await carol.post('/v1/validate', readCall)).status).toBe(200);
    const revoked = await a.admin().post('/v1/agents/carol/revoke', {});
    expect(revoked.status).toBe(200);
    // Polls b from the revoke response on. An accepted request shows b had not
    // applied the revocation when it was handled, after it was sent; a refused
    // one, that it had before its response came.
    const revokedAt = Date.now();
    let lastAccepted = 0;
    let refused: number | undefined;
    while (refused === undefined) {
      const sent = Date.now() - revokedAt;
      const status = (await carol.post('/v1/validate', readCall)).status;
      if (status === 401) refused = Date.now() - revokedAt;
      else {
        expect(status).toBe(200);
        lastAccepted = sent;
        // Accepted though sent a second after the revocation: too late, however loaded the machine.
        expect(lastAccepted).toBeLessThan(1_000);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    // The first refusal's response time also counts the polling request's own
    // round trip (and, on a loaded machine, its scheduling): modest slack on
    // this upper bound only.
    expect(refused).toBeLessThan(1_500);
    const res = await carol.post<{ error: { code: string } }>('/v1/validate', readCall);
    expect(res.body.error.code).toBe('revoked');
    // The bearer path (Claude Code hook) honours it too: revoking the agent revokes its hook token.
    const hook = await fetch(`${b.url}/v1/hooks/claude-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.hookToken('carol')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: {} }),
    });
    expect([hook.status, ((await hook.json()) as { error?: { code: string } }).error?.code]).toEqual([
      401,
      'revoked',
    ]);
  });

  it("a revocation ends the agent's open event stream and long poll on another replica", async () => {
    const gina = b.client('gina');
    const ctl = new AbortController();
    const stream = await gina.fetch('GET', '/v1/events/stream', undefined, ctl.signal);
    expect(stream.status).toBe(200);
    const asked = await gina.post<{ id: string }>('/v1/elicitations', {
      to: 'erin',
      message: 'ok?',
      requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
      timeoutSeconds: 60,
    });
    expect(asked.status).toBe(201);
    const poll = gina.get<{ error?: { code: string } }>(`/v1/elicitations/${asked.body.id}?wait=30`);
    await new Promise((r) => setTimeout(r, 200)); // both open on b
    const ended = (async () => {
      for await (const chunk of stream.body!) void chunk; // returns when b ends the stream
      return true;
    })();
    expect((await a.admin().post('/v1/agents/gina/revoke', {})).status).toBe(200);
    const refused = await poll;
    expect(refused.status).toBe(401);
    expect(refused.body.error?.code).toBe('revoked');
    expect(await ended).toBe(true);
    ctl.abort();
  });

  it('a replica started after a revocation refuses the agent: the list is rebuilt from the stream', async () => {
    expect((await a.admin().post('/v1/agents/frank/revoke', {})).status).toBe(200);
    // This replica was not listening when the NOTIFY went out.
    const c = await startTestBridge({ databaseUrl: db.url });
    try {
      const res = await c.client('frank').post<{ error: { code: string } }>('/v1/validate', readCall);
      expect([res.status, res.body.error.code]).toEqual([401, 'revoked']);
      expect((await c.client('grace').post('/v1/validate', readCall)).status).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('only the admin may revoke', async () => {
    const res = await b.client('alice').post<{ error: { code: string } }>('/v1/agents/bob/revoke', {});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('admin_only');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once an agent spends its validate budget', async () => {
    const dave = a.client('dave');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const res = await dave.post('/v1/validate', readCall);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another agent has its own budget.
    expect((await a.client('erin').post('/v1/validate', readCall)).status).toBe(200);
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    const bad = '{"tool": ';
    const res = await send(b, signed('alice', bad), bad);
    expect([res.status, res.body.error?.code]).toEqual([400, 'malformed_json']);
    // A tool call may carry a file: its limit is the file upload's (8 MiB in base64, plus 64 KiB).
    const big = JSON.stringify({ tool: 'Write', input: { content: 'x'.repeat(11_300_000) } });
    const tooBig = await send(b, signed('alice', big), big);
    expect([tooBig.status, tooBig.body.error?.code]).toEqual([413, 'body_too_large']);
  });

  it('answers a body that does not match the API schema with 400 and the offending paths', async () => {
    const res = await b
      .client('alice')
      .post<{ error: { code: string; details: { path: string }[] } }>('/v1/validate', {
        tool: '',
        input: 'rm -rf /',
      });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details.map((d) => d.path).sort()).toEqual(['/input', '/tool']);
  });

  it('answers unknown routes with 404 in the error shape, carrying a request id', async () => {
    const res = await b.client('alice').get('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
