// `make load`: simulated agents against two bridge replicas (separate
// processes) sharing one private PostgreSQL server, loopback only, bounded in
// time. Each agent has its own credential and sends Poisson-distributed calls
// in the mix of issue 12: 80 % validate (60 % of them repeats of six common
// commands, which hit the agent's own decision cache once it has made them
// within the cache's lifetime), 10 % file changes, 5 % elicitations, 5 % event queries.
// Levels step up the agent count until p99 of validate crosses 100 ms.
// Writes bench/results/load.json and prints a table.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueCredential, parseCredential, type Credential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { startPostgres } from '@lighthouse/bridge/testing/postgres.js';
import { startBridgeProcess, type BridgeProcess } from '../processes/bridge-process.js';
import { rssMiB } from '../processes/rss.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

// Ascending, so the crossing of the p99 goal lies between two measured levels.
const LEVELS = (process.env.LOAD_AGENTS ?? '250,500,1000,2000,5000,10000').split(',').map(Number);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
/** Mean seconds between two calls of one agent (an agent thinks between tool calls). */
const THINK_SECONDS = Number(process.env.LOAD_THINK_SECONDS ?? 10);
const P99_GOAL_MS = 100;

type Endpoint = 'validate' | 'files' | 'elicitations' | 'events';

const common = ['ls -la', 'git status', 'npm test', 'cat package.json', 'git diff', 'rm -rf ./build'];

function pick(): { endpoint: Endpoint; method: string; path: string; body?: unknown } {
  const r = Math.random();
  if (r < 0.8) {
    const hit = Math.random() < 0.6;
    const command = hit
      ? common[Math.floor(Math.random() * common.length)]!
      : `grep -rn ${randomBytes(6).toString('hex')} src`;
    return {
      endpoint: 'validate',
      method: 'POST',
      path: '/v1/validate',
      body: { tool: 'Bash', input: { command }, wait: false },
    };
  }
  if (r < 0.9) {
    return {
      endpoint: 'files',
      method: 'POST',
      path: '/v1/files',
      body: {
        path: `src/f${Math.floor(Math.random() * 500)}.ts`,
        content: `export const v = ${Date.now()};\n`,
      },
    };
  }
  if (r < 0.95) {
    return {
      endpoint: 'elicitations',
      method: 'POST',
      path: '/v1/elicitations',
      body: {
        to: 'reviewer',
        message: 'ok to proceed?',
        requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
        timeoutSeconds: 60,
      },
    };
  }
  return { endpoint: 'events', method: 'GET', path: '/v1/events?streamPrefix=decisions&limit=20' };
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;

interface LevelResult {
  agents: number;
  offeredPerSec: number;
  achievedPerSec: number;
  errors: number;
  errorRate: number;
  endpoints: Record<string, { n: number; p50: number; p95: number; p99: number }>;
  rssMiB: { replica: number; samples: number[] }[];
}

async function runLevel(
  agents: number,
  replicas: { url: string; pid: number }[],
  master: Buffer,
): Promise<LevelResult> {
  const creds: Credential[] = Array.from({ length: agents }, (_, i) =>
    parseCredential(issueCredential(master, `agent-${agents}-${i}`)),
  );
  const latencies: Record<Endpoint, number[]> = { validate: [], files: [], elicitations: [], events: [] };
  let errors = 0;
  let sent = 0;
  const mib = (pid: number) => Math.round(rssMiB(pid));
  const rss = replicas.map((r) => ({ replica: r.pid, samples: [mib(r.pid)] }));
  const sampler = setInterval(() => replicas.forEach((r, i) => rss[i]!.samples.push(mib(r.pid))), 2000);
  const end = Date.now() + SECONDS * 1000;
  const inflight = new Set<Promise<void>>();
  // Superposition of N Poisson processes = one Poisson process at N× the rate.
  const rate = agents / THINK_SECONDS;
  const started = Date.now();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(50, (-Math.log(1 - Math.random()) / rate) * 1000)));
    const due = Math.round(((Date.now() - started) / 1000) * rate) - sent;
    for (let k = 0; k < due; k++) {
      sent++;
      const cred = creds[Math.floor(Math.random() * creds.length)]!;
      const replica = replicas[sent % replicas.length]!;
      const call = pick();
      const payload = call.body === undefined ? '' : JSON.stringify(call.body);
      const headers: Record<string, string> = signedHeaders(cred, call.method, call.path, payload);
      if (payload) headers['content-type'] = 'application/json';
      const t0 = performance.now();
      const p = fetch(replica.url + call.path, {
        method: call.method,
        headers,
        body: payload || undefined,
        signal: AbortSignal.timeout(10_000),
      })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status >= 400) errors++;
          else latencies[call.endpoint].push(performance.now() - t0);
        })
        .catch(() => {
          errors++;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
  }
  await Promise.all(inflight);
  clearInterval(sampler);
  const elapsed = (Date.now() - started) / 1000;
  const endpoints: LevelResult['endpoints'] = {};
  for (const [name, list] of Object.entries(latencies)) {
    const s = list.sort((a, b) => a - b);
    endpoints[name] = {
      n: s.length,
      p50: +quantile(s, 0.5).toFixed(1),
      p95: +quantile(s, 0.95).toFixed(1),
      p99: +quantile(s, 0.99).toFixed(1),
    };
  }
  return {
    agents,
    offeredPerSec: +rate.toFixed(1),
    achievedPerSec: +((sent - errors) / elapsed).toFixed(1),
    errors,
    errorRate: sent ? +(errors / sent).toFixed(4) : 0,
    endpoints,
    rssMiB: rss,
  };
}

async function main(): Promise<void> {
  const pg = await startPostgres({ settings: { max_connections: '300' } });
  const masterKey = randomBytes(32).toString('hex');
  const replicas: (BridgeProcess & { pid: number })[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const replica = await startBridgeProcess(pg.url, masterKey, { LOG_LEVEL: 'warn' });
      replicas.push({ ...replica, pid: replica.child.pid! });
    }
    const results: LevelResult[] = [];
    for (const agents of LEVELS) {
      const r = await runLevel(agents, replicas, Buffer.from(masterKey));
      results.push(r);
      const v = r.endpoints.validate!;
      console.log(
        `${agents} agents: offered ${r.offeredPerSec}/s, achieved ${r.achievedPerSec}/s, errors ${r.errors}, ` +
          `validate p50/p95/p99 ${v.p50}/${v.p95}/${v.p99} ms, RSS ${r.rssMiB.map((x) => Math.max(...x.samples)).join('/')} MiB`,
      );
      if (v.p99 > P99_GOAL_MS) break;
    }
    const crossing = results.find((r) => r.endpoints.validate!.p99 > P99_GOAL_MS)?.agents ?? null;
    const lastUnder = results.filter((r) => r.endpoints.validate!.p99 <= P99_GOAL_MS).at(-1)?.agents ?? null;
    const out = {
      date: new Date().toISOString(),
      cores: cpus().length,
      seconds: SECONDS,
      thinkSeconds: THINK_SECONDS,
      replicas: 2,
      results,
      p99Over100msFromAgents: crossing,
      p99Under100msUpToAgents: lastUnder,
    };
    mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
    writeFileSync(path.join(repo, 'bench/results/load.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(
      `validate p99 crosses ${P99_GOAL_MS} ms at: ${crossing ?? `more than ${LEVELS.at(-1)}`} agents`,
    );
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    pg.stop();
  }
}

await main();
