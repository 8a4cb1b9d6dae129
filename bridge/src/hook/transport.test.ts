import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { postJson, UnreachableError } from './transport.js';

let server: Server;
let url: string;
const seen: { headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      if (req.url === '/silent') return; // never answers
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ echo: JSON.parse(body) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const opts = (over: Partial<Parameters<typeof postJson>[0]> = {}) => ({
  url,
  sign: (method: string, path: string, body: string) => ({
    'x-test-sig': `${method} ${path} ${body.length}`,
  }),
  connectTimeoutMs: 2000,
  responseTimeoutMs: 5000,
  ...over,
});

describe('postJson', () => {
  it('sends the signed JSON body and parses the answer', async () => {
    const r = await postJson(opts(), '/v1/x', { a: 1 });
    expect(r).toEqual({ status: 200, body: { echo: { a: 1 } } });
    expect(seen.at(-1)!.headers['x-test-sig']).toBe('POST /v1/x 7');
  });

  it('a refused connection is an UnreachableError', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(postJson(opts({ url: `http://127.0.0.1:${port}` }), '/v1/x', {})).rejects.toThrow(
      UnreachableError,
    );
    await expect(postJson(opts({ url: `http://127.0.0.1:${port}` }), '/v1/x', {})).rejects.toThrow(
      'ECONNREFUSED',
    );
  });

  it('a bridge that accepts but never answers is an UnreachableError after the answer timeout', async () => {
    await expect(postJson(opts({ responseTimeoutMs: 200 }), '/silent', {})).rejects.toThrow(
      /no answer within 200 ms/,
    );
  });
});
