import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Registry } from 'prom-client';

import { startProbeServer, type ReadinessCheck } from './server.js';

describe('probe server', () => {
  let server: Server;
  let base: string;
  const checks: ReadinessCheck[] = [{ name: 'deployments', healthy: true, message: 'watching' }];

  beforeAll(async () => {
    server = await startProbeServer(0, '127.0.0.1', new Registry(), () => checks);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers /healthz, /metrics, and /readyz with 503 and the reason when a watch is unhealthy', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    checks.push({ name: 'services', healthy: false, message: 'watch failing (3 attempts): ECONNREFUSED' });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ok: false,
      checks: [{ healthy: true }, { name: 'services', healthy: false }],
    });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
