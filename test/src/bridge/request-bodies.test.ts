// What a request body may cost the bridge before its sender is known. A request
// whose credentials are refused without the body is answered before the body is
// read; the bodies being received at once share one byte budget
// (LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES), each holding what it has sent, beyond
// which a request is refused with 503 (unread, or cut off); a client that
// trickles its request is cut off after LIGHTHOUSE_REQUEST_TIMEOUT_MS, which
// does not bound a long-lived answer.
import { describe, expect, it } from '@jest/globals';
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { parseCredential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { bridgeForSuite, sseEvents, until, type TestBridge } from './harness.js';
import { metric } from './scrape.js';

const BODY_LIMIT = 600_000;
const BUDGET = 1_048_576;
const TIMEOUT_MS = 2_000;
let bridge: TestBridge;
bridgeForSuite(
  {
    LIGHTHOUSE_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    LIGHTHOUSE_FILE_MAX_BYTES: '1',
    LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES: String(BUDGET),
    LIGHTHOUSE_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
  },
  (b) => (bridge = b),
);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: { error?: { code: string }; decision?: string } | null;
}

/**
 * A POST (or `method`) that declares `body.length` bytes but sends only the first `sent`;
 * `upTo(n)` sends more, up to the first n, and `rest()` the others.
 */
function partialPost(
  path: string,
  headers: Record<string, string>,
  body: string | Buffer,
  sent: number,
  method = 'POST',
) {
  const req: ClientRequest = httpRequest(bridge.url + path, {
    method,
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : null }),
      );
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  if (sent > 0) req.write(body.slice(0, sent));
  return {
    answer,
    upTo: (n: number) => {
      req.write(body.slice(sent, n));
      sent = n;
    },
    rest: () => req.end(body.slice(sent)),
    abort: () => req.destroy(),
  };
}

/** `p`, or a rejection naming what did not happen within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
  ]).finally(() => clearTimeout(timer));
}

const validateBody = (bytes: number) => {
  const base = JSON.stringify({ tool: 'Read', input: { file_path: '/w/a', pad: '' } });
  return JSON.stringify({ tool: 'Read', input: { file_path: '/w/a', pad: 'x'.repeat(bytes - base.length) } });
};
const reserved = () => metric(bridge.url, 'lighthouse_bridge_request_body_bytes_reserved');
const signedFor = (agent: string, body: string, now?: number) =>
  signedHeaders(parseCredential(bridge.credential(agent)), 'POST', '/v1/validate', body, now);

describe('credentials refused before the body is read', () => {
  const body = validateBody(500_000);

  it.each([
    ['no credentials', () => ({}), 'missing_credentials'],
    [
      'a timestamp an hour old',
      () => signedFor('alice', body, Math.floor(Date.now() / 1000) - 3600),
      'stale_timestamp',
    ],
    [
      'an invalid agent id',
      () => ({ ...signedFor('alice', body), 'x-lighthouse-agent': 'no/such' }),
      'unknown_agent',
    ],
  ])('a signed route with %s answers 401 while the body is still unsent', async (_name, headers, code) => {
    const call = partialPost('/v1/validate', headers(), body, 10);
    const answer = await within(call.answer, 5_000, 'no answer before the body was sent');
    call.abort();
    expect([answer.status, answer.body?.error?.code]).toEqual([401, code]);
  });

  it('the Claude Code hook answers a bad bearer credential with 401 while the body is still unsent', async () => {
    const hook = JSON.stringify({
      hook_event_name: 'PreToolUse',
      tool_name: 'Read',
      pad: 'x'.repeat(500_000),
    });
    const call = partialPost('/v1/hooks/claude-code', { authorization: 'Bearer lh1.alice.nope' }, hook, 10);
    const answer = await within(call.answer, 5_000, 'no answer before the body was sent');
    call.abort();
    expect(answer.status).toBe(401);
  });

  // Express matches routes and mount paths case-insensitively and with or without a trailing
  // slash: what authenticates a path must match it the same way as what serves it.
  it.each([['/V1/VALIDATE'], ['/V1/Validate/'], ['/V1/files']])(
    '%s without credentials answers 401 while the body is still unsent',
    async (path) => {
      const call = partialPost(path, {}, body, 10);
      const answer = await within(call.answer, 5_000, 'no answer before the body was sent');
      call.abort();
      expect([answer.status, answer.body?.error?.code]).toEqual([401, 'missing_credentials']);
    },
  );

  it('a path no route serves answers 404 while the body is still unsent', async () => {
    const call = partialPost('/nothing/here', {}, body, 10);
    const answer = await within(call.answer, 5_000, 'no answer before the body was sent');
    call.abort();
    expect([answer.status, answer.body?.error?.code]).toEqual([404, 'not_found']);
  });

  it('the Claude Code hook at /V1/HOOKS/claude-code is authenticated by its bearer, like /v1/hooks/claude-code', async () => {
    const hook = JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: {} });
    const post = (path: string, headers: Record<string, string>) =>
      fetch(bridge.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: hook,
      });
    // Signed-request headers (a forged signature) are no credential for the hook.
    const forged = await post('/V1/HOOKS/claude-code', {
      ...signedFor('alice', hook),
      'x-lighthouse-signature': 'A'.repeat(43),
    });
    expect([forged.status, ((await forged.json()) as Answer['body'])?.error?.code]).toEqual([
      401,
      'missing_credentials',
    ]);
    const accepted = await post('/V1/HOOKS/claude-code', {
      authorization: `Bearer ${bridge.hookToken('alice')}`,
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({
      hookSpecificOutput: { permissionDecision: expect.any(String) },
    });
  });

  it('an unknown path under /v1/hooks is 404 once the bearer is accepted', async () => {
    const res = await fetch(`${bridge.url}/v1/hooks/nope`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.hookToken('alice')}` },
    });
    expect([res.status, ((await res.json()) as Answer['body'])?.error?.code]).toEqual([404, 'not_found']);
  });
});

describe('LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES', () => {
  // Two bodies at the limit overrun the budget; one at the limit and one of 400,000 bytes do not.
  const big = validateBody(BODY_LIMIT);
  const fits = validateBody(400_000);

  it('refuses a body that would overrun the budget with 503 overloaded, unread, and takes it once room is back', async () => {
    const held = partialPost('/v1/validate', signedFor('alice', big), big, big.length - 1);
    await until(async () => ((await reserved()) === big.length - 1 ? true : undefined));

    const second = partialPost('/v1/validate', signedFor('bob', big), big, 0);
    const refused = await within(second.answer, 5_000, 'no answer to the request over the budget');
    second.abort();
    expect([refused.status, refused.body?.error?.code, refused.headers['retry-after']]).toEqual([
      503,
      'overloaded',
      '1',
    ]);
    expect(await metric(bridge.url, 'lighthouse_bridge_overloaded_total')).toBe(1);
    // A body that fits beside the held one is still taken.
    const beside = partialPost('/v1/validate', signedFor('carol', fits), fits, fits.length);
    expect((await beside.answer).status).toBe(200);

    held.rest();
    expect([(await held.answer).status, (await held.answer).body?.decision]).toEqual([200, 'allow']);
    await until(async () => ((await reserved()) === 0 ? true : undefined));
    const again = partialPost('/v1/validate', signedFor('bob', big), big, big.length);
    expect((await again.answer).status).toBe(200);
  });

  it('a request holds what it has sent, not what it declares: idle uploads do not lock the others out', async () => {
    // Declaring a large body costs nothing: many connections that send a few bytes and wait cannot fill the budget.
    const idle = ['alice', 'bob', 'carol'].map((agent) =>
      partialPost('/v1/validate', signedFor(agent, big), big, 10),
    );
    await until(async () => ((await reserved()) === 30 ? true : undefined));
    const next = partialPost('/v1/validate', signedFor('dave', big), big, big.length);
    expect((await next.answer).status).toBe(200);
    // (One after another: all three bodies at once would not fit.)
    for (const call of idle) {
      call.rest();
      expect((await call.answer).status).toBe(200);
    }
    await until(async () => ((await reserved()) === 0 ? true : undefined));
  });

  it('the request whose bytes would overrun the budget is cut off with 503 overloaded; the others go on', async () => {
    const first = partialPost('/v1/validate', signedFor('alice', big), big, 10);
    const second = partialPost('/v1/validate', signedFor('bob', big), big, 10);
    await until(async () => ((await reserved()) === 20 ? true : undefined));
    first.upTo(big.length - 1);
    await until(async () => ((await reserved()) === big.length - 1 + 10 ? true : undefined));
    // The second's next bytes end one byte past the budget.
    const before = await metric(bridge.url, 'lighthouse_bridge_overloaded_total');
    second.upTo(BUDGET - (big.length - 1) + 1);
    const cut = await within(second.answer, 5_000, 'the request over the budget was not cut off');
    expect([cut.status, cut.body?.error?.code, cut.headers['retry-after']]).toEqual([503, 'overloaded', '1']);
    expect(await metric(bridge.url, 'lighthouse_bridge_overloaded_total')).toBe(before + 1);
    first.rest();
    expect((await first.answer).status).toBe(200);
    await until(async () => ((await reserved()) === 0 ? true : undefined));
  });

  it('a compressed body is 415 unsupported_encoding: what it inflates to would not be what it holds', async () => {
    const compressed = gzipSync(big);
    const call = partialPost(
      '/v1/validate',
      { ...signedFor('alice', big), 'content-encoding': 'gzip' },
      compressed,
      compressed.length,
    );
    const answer = await call.answer;
    expect([answer.status, answer.body?.error?.code]).toEqual([415, 'unsupported_encoding']);
  });

  it('a GET with a body is 400, unread: an event stream or long poll would hold its share as long as it lasts', async () => {
    const path = '/v1/events/stream';
    const headers = signedHeaders(parseCredential(bridge.credential('alice')), 'GET', path, fits);
    const call = partialPost(path, headers, fits, 10, 'GET');
    const answer = await within(call.answer, 5_000, 'no answer before the body was sent');
    call.abort();
    expect([answer.status, answer.body?.error?.code]).toEqual([400, 'invalid_request']);
    expect(await reserved()).toBe(0);
  });

  it('LIGHTHOUSE_REQUEST_TIMEOUT_MS cuts off a trickled body with 408 and gives its share of the budget back', async () => {
    const stalled = partialPost('/v1/validate', signedFor('alice', big), big, 250_000);
    await until(async () => ((await reserved()) === 250_000 ? true : undefined));
    const cut = await within(stalled.answer, TIMEOUT_MS + 5_000, 'the stalled request was never cut off');
    expect(cut.status).toBe(408);
    await until(async () => ((await reserved()) === 0 ? true : undefined));
    const next = partialPost('/v1/validate', signedFor('bob', big), big, big.length);
    expect((await next.answer).status).toBe(200);
  });
});

describe('LIGHTHOUSE_REQUEST_TIMEOUT_MS', () => {
  it('does not bound an answer that takes longer: an SSE stream delivers an event appended after the timeout', async () => {
    const dave = bridge.client('dave');
    const stop = new AbortController();
    const res = await dave.fetch('GET', '/v1/events/stream?streamPrefix=notes-dave', undefined, stop.signal);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 1_000));
    const appended = await dave.post('/v1/events', {
      stream: 'notes-dave',
      events: [{ type: 'Noted', data: {} }],
    });
    expect(appended.status).toBe(201);
    const first = await sseEvents(res, 'Noted').next();
    expect(first.value).toMatchObject({ stream: 'notes-dave', type: 'Noted' });
    stop.abort();
  });
});
