// /healthz (the process runs), /readyz (every watch is healthy) and /metrics.
import { createServer, type Server } from 'node:http';

import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  healthy: boolean;
  message: string;
}

export function startProbeServer(
  port: number,
  host: string,
  registry: Registry,
  readiness: () => ReadinessCheck[],
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const checks = readiness();
      const ok = checks.every((c) => c.healthy);
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok, checks }) + '\n');
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
