// Bridge benchmark: signed POST /v1/validate at 50 connections — cache hits and
// cache misses (each miss runs the policy and appends its decision) — next to a
// bare Express JSON echo and a raw node:http echo, all measured in this run on
// this machine. The bridge runs as `lighthouse serve` on a private PostgreSQL.
//   node test/dist/bench/bridge/validate-bench.js   (make bench-bridge)
// LIGHTHOUSE_BENCH_SECONDS (default 10) sets each run's length, LIGHTHOUSE_BENCH_ROUNDS (default 3)
// how many times the four targets take turns.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pgDriver from 'pg';
import { issueCredential, parseCredential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { freePort, startPostgres } from '@lighthouse/bridge/testing/postgres.js';
import { startCpuMeter, type CpuPerUnit } from '../../processes/cpu.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = path.resolve(here, '../../../..');
const cli = path.join(repo, 'bridge/bin/lighthouse.js');
const CONNECTIONS = 50;
const seconds = Number(process.env.LIGHTHOUSE_BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.LIGHTHOUSE_BENCH_ROUNDS ?? 3);
const MASTER = 'bench-master-key-0123456789abcdef0123456789';
const credential = parseCredential(issueCredential(Buffer.from(MASTER), 'bench'));

export interface Figures {
  name: string;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Throughput of every round (for the median figure). */
  rounds?: number[];
  /** CPU time per request, µs: the server process, its PostgreSQL server (bridge only), this load generator. */
  cpuMicrosPerRequest?: CpuPerUnit;
}

/** The processes whose CPU time a run divides by its requests. */
interface Measured {
  serverPid: number;
  postgresDataDir?: string;
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

async function load(
  name: string,
  url: string,
  body: (i: number) => string,
  sign: boolean,
  measured: Measured,
  connections = CONNECTIONS,
): Promise<Figures> {
  let i = 0;
  const cpu = startCpuMeter(measured.serverPid, measured.postgresDataDir);
  const result = await autocannon({
    url,
    connections,
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
    cpuMicrosPerRequest: cpu(result.requests.total),
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Runs the benchmark, writes bench/results/bridge.json and returns what it wrote. */
export async function runBridgeBench(): Promise<BridgeBenchResult> {
  const hitBody = JSON.stringify({ tool: 'Read', input: { file_path: '/work/project/src/index.ts' } });
  const missBody = (i: number) =>
    JSON.stringify({ tool: 'Bash', input: { command: `git log --oneline -n ${i + 1}` } });

  const http = await startEcho('http');
  const exp = await startEcho('express');
  const pg = await startPostgres();
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
    const ours: Measured = { serverPid: bridge.pid!, postgresDataDir: pg.dataDir };
    // The targets take turns, round after round, so a burst of load from other
    // work on the machine does not land on one target only; medians are reported.
    const rounds: Figures[][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      rounds.push([
        await load('node:http echo', http.url, () => hitBody, false, { serverPid: http.child.pid! }),
        await load('express echo', exp.url, () => hitBody, false, { serverPid: exp.child.pid! }),
        await load('bridge validate, cache hit', url, () => hitBody, true, ours),
        await load('bridge validate, cache miss', url, (i) => missBody(r * 10_000_000 + i), true, ours),
      ]);
    }
    const figures = rounds[0]!.map((_, t) => median(rounds.map((round) => round[t]!)));
    const commitMs = await commitLatency(pg.url);
    // One connection: the service time of a single request, without queueing.
    const single = [
      await load('bridge cache hit, 1 connection', url, () => hitBody, true, ours, 1),
      await load('bridge cache miss, 1 connection', url, (i) => missBody(90_000_000 + i), true, ours, 1),
    ];
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
    const out: BridgeBenchResult = {
      at: new Date().toISOString(),
      connections: CONNECTIONS,
      secondsPerRun: seconds,
      rounds: ROUNDS,
      figures,
      singleConnection: single,
      postgresCommitP50Ms: commitMs,
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
    return out;
  } finally {
    bridge.kill('SIGTERM');
    await new Promise((r) => bridge.once('exit', r));
    pg.stop();
    http.child.kill();
    exp.child.kill();
  }
}

export interface BridgeBenchResult {
  at: string;
  connections: number;
  secondsPerRun: number;
  rounds: number;
  figures: Figures[];
  singleConnection: Figures[];
  postgresCommitP50Ms: number;
  ratios: {
    hitRpsVsExpress: number;
    missRpsVsExpress: number;
    hitRpsVsHttp: number;
    expressRpsVsHttp: number;
  };
  bridgeCounters: { cacheHits: number; cacheMisses: number; eventsAppended: number };
  goals: { hitP99Under5Ms: boolean; missP99Under20Ms: boolean; hitThroughputAtLeastHalfOfExpress: boolean };
}

export function formatBridgeBench(r: BridgeBenchResult): string {
  return [
    `bridge benchmark: ${r.connections} connections, ${r.secondsPerRun}s per run, median of ${r.rounds} rounds`,
    'target                          req/s    p50 ms   p99 ms   non-2xx   CPU µs/request: server / PostgreSQL / load generator',
    ...[...r.figures, ...r.singleConnection].map((f) => {
      const cpu = f.cpuMicrosPerRequest;
      const cpuText = cpu ? `${cpu.server} / ${cpu.database ?? '–'} / ${cpu.client}` : '';
      return `${f.name.padEnd(30)} ${String(f.rps).padStart(7)} ${String(f.p50Ms).padStart(9)} ${String(f.p99Ms).padStart(8)} ${String(f.non2xx).padStart(9)}   ${cpuText}`;
    }),
    `PostgreSQL single-row INSERT commit (baseline for one durable write): p50 ${r.postgresCommitP50Ms} ms`,
    `ratios: ${JSON.stringify(r.ratios)}`,
    `bridge counters: ${JSON.stringify(r.bridgeCounters)}`,
    `goals: ${JSON.stringify(r.goals)}`,
    '',
  ].join('\n');
}

/** p50 of 200 sequential single-row INSERT commits on the same server: what one durable write costs here. */
async function commitLatency(url: string): Promise<number> {
  const c = new pgDriver.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE TABLE IF NOT EXISTS bench_commit (x int)');
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await c.query('INSERT INTO bench_commit VALUES ($1)', [i]);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return Math.round(times[100]! * 100) / 100;
  } finally {
    await c.end();
  }
}

/** The run with the median throughput (its latencies belong to the same run). */
function median(runs: Figures[]): Figures {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, rounds: runs.map((r) => r.rps) } as Figures;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(formatBridgeBench(await runBridgeBench()));
  process.stdout.write('written to bench/results/bridge.json\n');
}
