// The elector against a local HTTP server standing in for the Lease API: it
// answers until the test "blackholes" it, then accepts requests and never answers.
import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import winston from 'winston';

import { RestClient } from '../kube/rest.js';
import { LeaderElector } from './lease.js';

const log = winston.createLogger({ silent: true });
const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/** A one-lease API; `blackhole()` makes every later request hang. */
async function leaseApi() {
  let lease: Record<string, unknown> | undefined;
  let version = 0;
  let hang = false;
  const server = http.createServer((req, res) => {
    if (hang) return; // accepted, never answered
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const send = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.method === 'GET') return lease ? send(200, lease) : send(404, { reason: 'NotFound' });
      const next = JSON.parse(body) as Record<string, unknown>;
      lease = { ...next, metadata: { ...(next.metadata as object), resourceVersion: String(++version) } };
      send(req.method === 'POST' ? 201 : 200, lease);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, blackhole: () => (hang = true) };
}

describe('LeaderElector', () => {
  it('a leader whose lease requests hang steps down within the renew deadline', async () => {
    const api = await leaseApi();
    const rest = new RestClient({ server: api.url, token: () => undefined });
    const elector = new LeaderElector({
      rest,
      namespace: 'ns',
      name: 'op',
      identity: 'a',
      leaseDurationMs: 1_500,
      renewDeadlineMs: 1_000,
      retryPeriodMs: 200,
      log,
    });
    let led = false;
    const outcome = elector.run(new AbortController().signal, () => (led = true));
    while (!led) await new Promise((r) => setTimeout(r, 10));
    expect(elector.isLeader).toBe(true);
    api.blackhole();
    const blackholedAt = Date.now();
    expect(await outcome).toBe('lost');
    expect(elector.isLeader).toBe(false);
    // Bounded: it does not wait on the hung request (the deadline is 1 s, each request 200 ms).
    expect(Date.now() - blackholedAt).toBeLessThan(5_000);
    rest.close();
  });
});
