// What every request gets from the app around the handlers: an X-Request-Id
// (the caller's when sane, else a new UUID) on the response and the log lines,
// body limits (LIGHTHOUSE_BODY_LIMIT_BYTES, and a file's for tool calls), and the documented shapes of
// /v1/validate and /v1/status answers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import winston from 'winston';
import { issueCredential, parseCredential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { fileBodyLimitBytes } from '@lighthouse/bridge/config/env.js';
import { openApiDocument } from '@lighthouse/bridge/openapi/document.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { MASTER, startTestBridge, until, type TestBridge } from './harness.js';

const LIMIT = 2048;
const FILE_MAX = 3000;
/** A tool call may carry a file (a Write's content): its body may be as large as a file upload. */
const TOOL_CALL_LIMIT = fileBodyLimitBytes({ bodyLimitBytes: LIMIT, fileMaxBytes: FILE_MAX });
const WRITE_BYTES_PER_MINUTE = 2 * TOOL_CALL_LIMIT + 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let db: TestDatabase;
let bridge: TestBridge;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startTestBridge(
    { databaseUrl: db.url },
    {
      LIGHTHOUSE_BODY_LIMIT_BYTES: String(LIMIT),
      LIGHTHOUSE_FILE_MAX_BYTES: String(FILE_MAX),
      LIGHTHOUSE_RATE_WRITE_BYTES_PER_MINUTE: String(WRITE_BYTES_PER_MINUTE),
    },
  );
  // The bridge's own logger, at debug, into memory instead of stdout.
  const { logger } = bridge.services;
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        objectMode: true,
        write(info: Record<string, unknown>, _enc, done) {
          logs.push(info);
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

const signed = (agent: string, method: string, path: string, body = '') =>
  signedHeaders(parseCredential(issueCredential(MASTER, agent)), method, path, body);

async function request(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(bridge.url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    requestId: res.headers.get('x-request-id'),
    body: text ? JSON.parse(text) : null,
  };
}

const logged = (requestId: string) =>
  until(() => logs.find((l) => l.message === 'request' && l.requestId === requestId));

describe('request ids', () => {
  it('echoes a sane X-Request-Id, on success and on refusal, and logs the request under it', async () => {
    const ok = await request('GET', '/v1/status', {
      ...signed('alice', 'GET', '/v1/status'),
      'x-request-id': 'trace-42.a_b',
    });
    expect([ok.status, ok.requestId]).toEqual([200, 'trace-42.a_b']);
    expect(await logged('trace-42.a_b')).toMatchObject({
      level: 'debug',
      method: 'GET',
      path: '/v1/status',
      status: 200,
      agentId: 'alice',
    });

    const refused = await request('GET', '/v1/status', { 'x-request-id': 'trace-43' });
    expect([refused.status, refused.requestId]).toEqual([401, 'trace-43']);
    expect(refused.body).toEqual({ error: { code: 'missing_credentials', message: expect.any(String) } });
    expect(await logged('trace-43')).toMatchObject({ status: 401 });
    expect(logs.find((l) => l.message === 'request refused' && l.requestId === 'trace-43')).toMatchObject({
      code: 'missing_credentials',
    });
  });

  it('replaces a missing or unsafe X-Request-Id with a new UUID, which the log line carries', async () => {
    const unsafe = ['', 'has space', 'semi;colon', 'x'.repeat(129), 'ünïcode'];
    const ids: string[] = [];
    for (const incoming of [undefined, ...unsafe]) {
      const res = await request(
        'GET',
        '/healthz',
        incoming === undefined ? {} : { 'x-request-id': incoming },
      );
      expect(res.status).toBe(200);
      expect(res.requestId).toMatch(UUID);
      ids.push(res.requestId!);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(await logged(ids[2]!)).toMatchObject({ path: '/healthz', status: 200 });
    // The longest id accepted is 128 characters.
    const longest = 'y'.repeat(128);
    expect((await request('GET', '/healthz', { 'x-request-id': longest })).requestId).toBe(longest);
  });
});

describe('LIGHTHOUSE_BODY_LIMIT_BYTES', () => {
  /** `make(pad)`'s JSON, padded to exactly `bytes` bytes. */
  const padded = (bytes: number, make: (pad: string) => unknown) => {
    const base = JSON.stringify(make('')).length;
    const body = JSON.stringify(make('x'.repeat(bytes - base)));
    expect(Buffer.byteLength(body)).toBe(bytes);
    return body;
  };
  const post = (agent: string, path: string, body: string) =>
    request('POST', path, signed(agent, 'POST', path, body), body);
  const event = (pad: string) => ({ stream: 'padded', events: [{ type: 'Padded', data: { pad } }] });
  const write = (pad: string) => ({
    tool: 'Write',
    cwd: '/w',
    input: { file_path: '/w/big.txt', content: pad },
  });

  it('accepts a body of exactly the limit and refuses one byte more with 413 body_too_large', async () => {
    expect((await post('alice', '/v1/events', padded(LIMIT, event))).status).toBe(201);
    const tooBig = await post('alice', '/v1/events', padded(LIMIT + 1, event));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toEqual({
      error: { code: 'body_too_large', message: `request body exceeds ${LIMIT} bytes` },
    });
  });

  it("takes a tool call as large as a file upload (a Write's content), past it 413, on both endpoints", async () => {
    const fits = await post('alice', '/v1/validate', padded(TOOL_CALL_LIMIT, write));
    expect([fits.status, fits.body.decision]).toEqual([200, 'allow']);
    const over = await post('alice', '/v1/validate', padded(TOOL_CALL_LIMIT + 1, write));
    expect([over.status, over.body.error.message]).toEqual([
      413,
      `request body exceeds ${TOOL_CALL_LIMIT} bytes`,
    ]);

    const hook = (pad: string) => ({
      hook_event_name: 'PreToolUse',
      tool_name: 'Write',
      cwd: '/w',
      tool_input: write(pad).input,
    });
    const auth = { authorization: `Bearer ${bridge.hookToken('claude')}` };
    const send = (bytes: number) => request('POST', '/v1/hooks/claude-code', auth, padded(bytes, hook));
    expect((await send(TOOL_CALL_LIMIT)).status).toBe(200);
    const big = await send(TOOL_CALL_LIMIT + 1);
    expect([big.status, big.body.error.code]).toEqual([413, 'body_too_large']);
  });

  it('a tool call past the ordinary limit spends its bytes of writeBytes, as the file would', async () => {
    const large = padded(TOOL_CALL_LIMIT, write);
    expect((await post('big-writer', '/v1/validate', large)).status).toBe(200);
    expect((await post('big-writer', '/v1/validate', large)).status).toBe(200);
    const spent = await post('big-writer', '/v1/validate', large);
    expect([spent.status, spent.body.error.details]).toEqual([429, { budget: 'writeBytes' }]);
    // An ordinary call spends none: it still passes.
    expect((await post('big-writer', '/v1/validate', padded(LIMIT, write))).status).toBe(200);
  });
});

describe('answer shapes', () => {
  // The documented answer: every property the schema names, all of them required.
  const schema = openApiDocument.components.schemas.ValidateResponse;
  const documented = Object.keys(schema.properties).sort();

  it('/v1/validate answers the documented fields (decision … latencyMs) with their types, in every tier', async () => {
    expect([...schema.required].sort()).toEqual(documented);
    expect(documented).toEqual(
      expect.arrayContaining([
        'decision',
        'reason',
        'ruleId',
        'tier',
        'decisionId',
        'policyRevision',
        'latencyMs',
      ]),
    );
    const alice = bridge.client('alice');
    const revision = (await alice.get<{ policy: { revision: string } }>('/v1/status')).body.policy.revision;
    const calls = [
      [{ tool: 'Read', input: { file_path: '/w/shape.ts' } }, 'policy', 'read-only-tools'],
      [{ tool: 'Read', input: { file_path: '/w/shape.ts' } }, 'cache', 'read-only-tools'],
      [{ tool: 'Bash', input: { command: 'npm test' } }, 'risk', null],
    ] as const;
    const seen = new Set<string>();
    for (const [call, tier, ruleId] of calls) {
      const res = await alice.post<Record<string, unknown>>('/v1/validate', call);
      expect(res.status).toBe(200);
      const b = res.body;
      expect(Object.keys(b).sort()).toEqual(documented);
      expect(b).toMatchObject({
        decision: 'allow',
        reason: expect.any(String),
        ruleId,
        tier,
        decisionId: expect.stringMatching(UUID),
        policyRevision: revision,
        latencyMs: expect.any(Number),
      });
      expect((b.reason as string).length).toBeGreaterThan(0);
      expect(Number.isFinite(b.latencyMs) && (b.latencyMs as number) >= 0).toBe(true);
      seen.add(b.decisionId as string);
    }
    expect(seen.size).toBe(calls.length);
  });

  it('/v1/status carries version, uptimeSeconds and replica', async () => {
    const res = await bridge.client('alice').get<Record<string, unknown>>('/v1/status');
    expect(res.status).toBe(200);
    const { version, uptimeSeconds, replica } = res.body;
    expect(version).toBe(bridge.services.version);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(replica).toBe(bridge.services.replicaId);
    expect(replica).toMatch(UUID);
    expect(Number.isInteger(uptimeSeconds)).toBe(true);
    const expected = (Date.now() - bridge.services.startedAt.getTime()) / 1000;
    expect(Math.abs((uptimeSeconds as number) - expected)).toBeLessThanOrEqual(1);
  });
});

describe('path parameters', () => {
  it('one that is not percent-encoded UTF-8 is 400 malformed_path, not a 500', async () => {
    const bad = '%E0%A4%A';
    for (const [method, path, agent] of [
      ['GET', `/v1/elicitations/${bad}`, 'alice'],
      ['POST', `/v1/elicitations/${bad}/decline`, 'alice'],
      ['GET', `/v1/files/src/${bad}`, 'alice'],
      ['GET', `/v1/contexts/${bad}`, 'alice'],
      ['POST', `/v1/escalations/${bad}/decision`, 'alice'],
      ['POST', `/v1/agents/${bad}/revoke`, 'admin'],
      ['DELETE', `/v1/experts/${bad}/grant`, 'admin'],
      ['POST', `/v1/admin/flags/${bad}/kill`, 'admin'],
    ] as const) {
      const res = await request(method, path, signed(agent, method, path));
      expect([method, path, res.status, res.body?.error?.code]).toEqual([
        method,
        path,
        400,
        'malformed_path',
      ]);
    }
  });
});

describe('methods no route takes', () => {
  it('OPTIONS, PUT, DELETE are 404 not_found in the one error shape', async () => {
    for (const [method, path] of [
      ['OPTIONS', '/v1/status'],
      ['OPTIONS', '/v1/events'],
      ['OPTIONS', '/v1/elicitations/x'],
      ['OPTIONS', '/v1/hooks/claude-code'],
      ['PUT', '/v1/validate'],
      ['DELETE', '/v1/events'],
    ] as const) {
      const res = await request(method, path, signed('alice', method, path));
      expect([method, path, res.status, res.body?.error?.code]).toEqual([method, path, 404, 'not_found']);
    }
  });
});

describe('/v1/validate', () => {
  it('refuses with 400 invalid_data a call the decision log could not hold, not a block for an internal error', async () => {
    const since = logs.length;
    const deep = `{"tool":"Read","input":{"file_path":"a","d":${'['.repeat(70)}${']'.repeat(70)}}}`;
    for (const [body, where] of [
      [JSON.stringify({ tool: 'Bash', input: { command: 'ls\u0000' } }), 'input.command'],
      [JSON.stringify({ tool: 'Read', input: { file_path: 'a\ud800' } }), 'input.file_path'],
      [JSON.stringify({ tool: 'Bash', input: { command: 'ls' }, cwd: '/w\u0000' }), 'cwd'],
      [JSON.stringify({ tool: 'Bash', input: { command: 'ls' }, sessionId: 's\u0000' }), 'sessionId'],
      [deep, 'input.d'],
    ] as const) {
      for (const path of ['/v1/validate', '/v1/validate/dry-run']) {
        // The dry run takes no session id.
        if (path.endsWith('dry-run') && where === 'sessionId') continue;
        const res = await request('POST', path, signed('alice', 'POST', path, body), body);
        expect([path, res.status, res.body?.error?.code]).toEqual([path, 400, 'invalid_data']);
        expect(res.body.error.message).toMatch(new RegExp(`^${where.replace('.', '\\.')}`));
      }
    }
    // Nothing was decided, so nothing failed: no error in the log.
    expect(logs.slice(since).filter((l) => l.level === 'error')).toEqual([]);
  });
});
