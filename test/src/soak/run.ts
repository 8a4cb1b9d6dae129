// `make soak`: one bridge process on a private PostgreSQL under steady signed
// validate traffic (80 % repeats that hit the decision cache, 20 % distinct
// commands) for SOAK_MINUTES (default 30). Every 10 s: the bridge's RSS (from
// /proc) and event-loop lag (prom-client's gauges on its /metrics). After the
// warm-up, a least-squares slope of RSS over time is the leak check: it must
// stay under SOAK_MAX_SLOPE_MIB_PER_MIN (default 1). Writes bench/results/soak.json;
// exits 1 when the check fails or requests failed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueCredential, parseCredential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { freePort, startPostgres } from '@lighthouse/bridge/testing/postgres.js';
import { slope } from './trend.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge/bin/lighthouse.js');

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
/** Growth before this is warm-up (caches, JIT, pools filling); capped at half the run for short runs. */
const WARMUP_MINUTES = Math.min(Number(process.env.SOAK_WARMUP_MINUTES ?? 5), MINUTES / 2);
const RATE = Number(process.env.SOAK_RATE ?? 100);
const MAX_SLOPE = Number(process.env.SOAK_MAX_SLOPE_MIB_PER_MIN ?? 1);
const SAMPLE_MS = 10_000;
const AGENTS = 200;

if (!(MINUTES > 0) || !(RATE > 0) || !(MAX_SLOPE > 0)) {
  console.error('SOAK_MINUTES, SOAK_RATE and SOAK_MAX_SLOPE_MIB_PER_MIN must be positive numbers');
  process.exit(2);
}

const common = ['ls -la', 'git status', 'npm test', 'cat package.json', 'git diff', 'rm -rf ./build'];

interface Sample {
  minute: number;
  rssMiB: number;
  heapUsedMiB: number;
  lagMs: number;
  lagP99Ms: number;
  requests: number;
  errors: number;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

function gauge(metrics: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metrics);
  if (!m) throw new Error(`metric ${name} missing from /metrics`);
  return Number(m[1]);
}

async function startBridge(port: number, databaseUrl: string, masterKey: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LIGHTHOUSE_DATABASE_URL: databaseUrl,
      LIGHTHOUSE_MASTER_KEY: masterKey,
      LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) throw new Error(`bridge exited with ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) throw new Error('bridge did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<number> {
  const pg = await startPostgres();
  const masterKey = randomBytes(32).toString('hex');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const bridge = await startBridge(port, pg.url, masterKey);
  const creds = Array.from({ length: AGENTS }, (_, i) =>
    parseCredential(issueCredential(Buffer.from(masterKey), `soak-${i}`)),
  );
  let requests = 0;
  let errors = 0;
  const latencies: number[] = [];
  const inflight = new Set<Promise<void>>();
  const fire = () => {
    const i = requests++;
    const command =
      Math.random() < 0.8 ? common[i % common.length]! : `grep -rn ${randomBytes(6).toString('hex')} src`;
    const body = JSON.stringify({ tool: 'Bash', input: { command } });
    const headers = {
      ...signedHeaders(creds[i % AGENTS]!, 'POST', '/v1/validate', body),
      'content-type': 'application/json',
    };
    const t0 = performance.now();
    const p = fetch(`${url}/v1/validate`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
        else latencies.push(performance.now() - t0);
      })
      .catch(() => {
        errors++;
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };

  const samples: Sample[] = [];
  const started = Date.now();
  const sample = async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const s: Sample = {
      minute: +((Date.now() - started) / 60_000).toFixed(3),
      rssMiB: +rssMiB(bridge.pid!).toFixed(1),
      heapUsedMiB: +(gauge(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(1),
      lagMs: +(gauge(metrics, 'nodejs_eventloop_lag_seconds') * 1000).toFixed(2),
      lagP99Ms: +(gauge(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(2),
      requests,
      errors,
    };
    samples.push(s);
    console.log(
      `${s.minute.toFixed(1)} min: RSS ${s.rssMiB} MiB, heap used ${s.heapUsedMiB} MiB, event-loop lag ${s.lagMs} ms (p99 ${s.lagP99Ms} ms), ${requests} requests, ${errors} errors`,
    );
  };
  try {
    await sample();
    const end = started + MINUTES * 60_000;
    let nextSample = started + SAMPLE_MS;
    // Steady rate: ticks of 10 ms, each sending what is due; in-flight requests bounded.
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
      const due = Math.floor(((Date.now() - started) / 1000) * RATE) - requests;
      for (let k = 0; k < due && inflight.size < 256; k++) fire();
      if (Date.now() >= nextSample) {
        nextSample += SAMPLE_MS;
        await sample();
      }
    }
    await Promise.all(inflight);
    await sample();
  } finally {
    bridge.kill('SIGTERM');
    await new Promise((r) => bridge.once('exit', r));
    pg.stop();
  }

  const after = samples.filter((s) => s.minute >= WARMUP_MINUTES);
  const rssSlope = slope(after.map((s) => [s.minute, s.rssMiB]));
  const heapSlope = slope(after.map((s) => [s.minute, s.heapUsedMiB]));
  const lagSlope = slope(after.map((s) => [s.minute, s.lagMs]));
  const sorted = latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    +(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(1);
  const passed = rssSlope < MAX_SLOPE && errors === 0;
  const out = {
    date: new Date().toISOString(),
    cores: cpus().length,
    minutes: MINUTES,
    warmupMinutes: WARMUP_MINUTES,
    ratePerSec: RATE,
    requests,
    errors,
    validateMs: { p50: q(0.5), p99: q(0.99) },
    rssMiB: { first: samples[0]?.rssMiB, afterWarmup: after[0]?.rssMiB, last: samples.at(-1)?.rssMiB },
    rssSlopeMiBPerMin: +rssSlope.toFixed(3),
    heapUsedSlopeMiBPerMin: +heapSlope.toFixed(3),
    lagSlopeMsPerMin: +lagSlope.toFixed(4),
    maxSlopeMiBPerMin: MAX_SLOPE,
    passed,
    samples,
  };
  mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
  writeFileSync(path.join(repo, 'bench/results/soak.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(
    `soak ${MINUTES} min at ${RATE}/s: ${requests} requests, ${errors} errors, validate p50/p99 ${out.validateMs.p50}/${out.validateMs.p99} ms; ` +
      `RSS ${out.rssMiB.first} → ${out.rssMiB.afterWarmup} (after ${WARMUP_MINUTES} min warm-up) → ${out.rssMiB.last} MiB, ` +
      `slope after warm-up ${out.rssSlopeMiBPerMin} MiB/min (limit ${MAX_SLOPE}), heap used ${out.heapUsedSlopeMiBPerMin} MiB/min; event-loop lag slope ${out.lagSlopeMsPerMin} ms/min: ` +
      (passed ? 'PASS' : 'FAIL'),
  );
  return passed ? 0 : 1;
}

process.exitCode = await main();
