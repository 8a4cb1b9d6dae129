// Bridge benchmark: signed POST /v1/validate at 50 connections — cache hits and
// cache misses (each miss runs the policy and appends its decision) — next to a
// bare Express JSON echo and a raw node:http echo, all measured in this run on
// this machine. The bridge runs as `lighthouse serve` on a private PostgreSQL.
//   node test/dist/bench/bridge/validate-bench.js   (make bench-bridge)
// LIGHTHOUSE_BENCH_SECONDS (default 10) sets each run's length.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { issueCredential, parseCredential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { freePort, startPostgres } from '@lighthouse/bridge/testing/postgres.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = path.resolve(here, '../../../..');
const cli = path.join(repo, 'bridge/bin/lighthouse.js');
const CONNECTIONS = 50;
const seconds = Number(process.env.LIGHTHOUSE_BENCH_SECONDS ?? 10);
const MASTER = 'bench-master-key-0123456789abcdef0123456789';
const credential = parseCredential(issueCredential(Buffer.from(MASTER), 'bench'));

interface Figures {
  name: string;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function waitHealthy(url: string, timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startEcho(mode: 'http' | 'express'): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = fork(path.join(here, 'echo-servers.js'), [mode, String(port)], { stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${mode} echo exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function load(name: string, url: string, body: (i: number) => string, sign: boolean): Promise<Figures> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/validate',
        setupRequest: (req) => {
          const payload = body(i++);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (sign) Object.assign(headers, signedHeaders(credential, 'POST', '/v1/validate', payload));
          return { ...req, body: payload, headers };
        },
      },
    ],
  });
  return {
    name,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  const hitBody = JSON.stringify({ tool: 'Read', input: { file_path: '/work/project/src/index.ts' } });
  const missBody = (i: number) =>
    JSON.stringify({ tool: 'Bash', input: { command: `git log --oneline -n ${i + 1}` } });

  const figures: Figures[] = [];
  const http = await startEcho('http');
  figures.push(await load('node:http echo', http.url, () => hitBody, false));
  http.child.kill();
  const exp = await startEcho('express');
  figures.push(await load('express echo', exp.url, () => hitBody, false));
  exp.child.kill();

  const pg = await startPostgres({ settings: { synchronous_commit: 'on' } });
  const port = await freePort();
  const bridge = spawn(process.execPath, [cli, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LIGHTHOUSE_MASTER_KEY: MASTER,
      LIGHTHOUSE_DATABASE_URL: pg.url,
      LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(`${url}/readyz`);
    figures.push(await load('bridge validate, cache hit', url, () => hitBody, true));
    figures.push(await load('bridge validate, cache miss', url, missBody, true));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const count = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? 0);
    const decided = {
      cacheHits: count(/^lighthouse_bridge_cache_hits_total (\d+)/m),
      cacheMisses: count(/^lighthouse_bridge_cache_misses_total (\d+)/m),
      eventsAppended: count(/^lighthouse_bridge_events_appended_total (\d+)/m),
    };
    const [httpEcho, expressEcho, hit, miss] = figures as [Figures, Figures, Figures, Figures];
    const ratios = {
      hitRpsVsExpress: round(hit.rps / expressEcho.rps),
      missRpsVsExpress: round(miss.rps / expressEcho.rps),
      hitRpsVsHttp: round(hit.rps / httpEcho.rps),
      expressRpsVsHttp: round(expressEcho.rps / httpEcho.rps),
    };
    const out = {
      at: new Date().toISOString(),
      connections: CONNECTIONS,
      secondsPerRun: seconds,
      figures,
      ratios,
      bridgeCounters: decided,
      goals: {
        hitP99Under5Ms: hit.p99Ms < 5,
        missP99Under20Ms: miss.p99Ms < 20,
        hitThroughputAtLeastHalfOfExpress: ratios.hitRpsVsExpress >= 0.5,
      },
    };
    const file = path.join(repo, 'bench/results/bridge.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(
      [
        `bridge benchmark: ${CONNECTIONS} connections, ${seconds}s per run`,
        'target                          req/s    p50 ms   p99 ms   non-2xx',
        ...figures.map(
          (f) =>
            `${f.name.padEnd(30)} ${String(f.rps).padStart(7)} ${String(f.p50Ms).padStart(9)} ${String(f.p99Ms).padStart(8)} ${String(f.non2xx).padStart(9)}`,
        ),
        `ratios: ${JSON.stringify(ratios)}`,
        `bridge counters: ${JSON.stringify(decided)}`,
        `written to ${path.relative(repo, file)}`,
        '',
      ].join('\n'),
    );
  } finally {
    bridge.kill('SIGTERM');
    await new Promise((r) => bridge.once('exit', r));
    pg.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

await main();
