// `make soak`: one bridge process on a private PostgreSQL under steady signed
// validate traffic (80 % repeats that hit the decision cache, 20 % distinct
// commands) for SOAK_MINUTES (default 30). Every 10 s: the bridge's RSS (from
// /proc) and event-loop lag (prom-client's gauges on its /metrics); every
// minute: its live heap (a full GC forced through its inspector). After the
// warm-up, least-squares slopes are the leak check: RSS under
// SOAK_MAX_SLOPE_MIB_PER_MIN (default 1) and live heap under
// SOAK_MAX_HEAP_SLOPE_MIB_PER_MIN (default 0.25). Writes bench/results/soak.json;
// exits 1 when a check fails or requests failed.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueCredential, parseCredential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { freePort, startPostgres } from '@lighthouse/bridge/testing/postgres.js';
import { startBridgeProcess } from '../processes/bridge-process.js';
import { rssMiB } from '../processes/rss.js';
import { LiveHeap } from '../processes/live-heap.js';
import { slope } from './trend.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
/** Growth before this is warm-up (caches, JIT, pools filling); capped at half the run for short runs. */
// Default 10: the decision cache (10,000 entries) fills at 20 distinct calls/s in about 8.3 min.
const WARMUP_MINUTES = Math.min(Number(process.env.SOAK_WARMUP_MINUTES ?? 10), MINUTES / 2);
const RATE = Number(process.env.SOAK_RATE ?? 100);
const MAX_SLOPE = Number(process.env.SOAK_MAX_SLOPE_MIB_PER_MIN ?? 1);
const MAX_HEAP_SLOPE = Number(process.env.SOAK_MAX_HEAP_SLOPE_MIB_PER_MIN ?? 0.25);
// In samples: once a minute, so the forced collections barely touch latency; every sample in short runs.
const LIVE_HEAP_EVERY = MINUTES > 10 ? 6 : 1;
const SAMPLE_MS = 10_000;
const AGENTS = 200;

if (!(MINUTES > 0) || !(RATE > 0) || !(MAX_SLOPE > 0) || !(MAX_HEAP_SLOPE > 0)) {
  console.error(
    'SOAK_MINUTES, SOAK_RATE, SOAK_MAX_SLOPE_MIB_PER_MIN and SOAK_MAX_HEAP_SLOPE_MIB_PER_MIN must be positive numbers',
  );
  process.exit(2);
}

const common = ['ls -la', 'git status', 'npm test', 'cat package.json', 'git diff', 'rm -rf ./build'];

interface Sample {
  minute: number;
  rssMiB: number;
  /** RSS split by kind (/proc/<pid>/smaps_rollup): anonymous memory vs mapped files. */
  anonMiB: number;
  fileMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  cacheEntries: number;
  lagMs: number;
  lagP99Ms: number;
  /** Heap in use after a forced full collection; measured every LIVE_HEAP_EVERY samples. */
  liveHeapMiB?: number;
  requests: number;
  errors: number;
}

function gauge(metrics: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metrics);
  if (!m) throw new Error(`metric ${name} missing from /metrics`);
  return Number(m[1]);
}

async function main(): Promise<number> {
  const pg = await startPostgres();
  const masterKey = randomBytes(32).toString('hex');
  const inspectPort = await freePort();
  const bridge = await startBridgeProcess(pg.url, masterKey, {
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}`,
  });
  const liveHeap = await LiveHeap.connect(inspectPort);
  const { url } = bridge;
  const pid = bridge.child.pid!;
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
  const statusPath = '/v1/status';
  const sample = async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const status = (await (
      await fetch(url + statusPath, { headers: signedHeaders(creds[0]!, 'GET', statusPath, '') })
    ).json()) as { cache: { entries: number } };
    const mib = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
    const s: Sample = {
      minute: +((Date.now() - started) / 60_000).toFixed(3),
      rssMiB: +rssMiB(pid).toFixed(1),
      anonMiB: mib(kib('Anonymous') * 1024),
      fileMiB: mib((kib('Rss') - kib('Anonymous')) * 1024),
      heapUsedMiB: mib(gauge(metrics, 'nodejs_heap_size_used_bytes')),
      heapTotalMiB: mib(gauge(metrics, 'nodejs_heap_size_total_bytes')),
      externalMiB: mib(gauge(metrics, 'nodejs_external_memory_bytes')),
      cacheEntries: status.cache.entries,
      lagMs: +(gauge(metrics, 'nodejs_eventloop_lag_seconds') * 1000).toFixed(2),
      lagP99Ms: +(gauge(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(2),
      requests,
      errors,
    };
    if (samples.length % LIVE_HEAP_EVERY === 0) s.liveHeapMiB = +(await liveHeap.mib()).toFixed(2);
    samples.push(s);
    console.log(
      `${s.minute.toFixed(1)} min: RSS ${s.rssMiB} MiB${s.liveHeapMiB === undefined ? '' : `, live heap ${s.liveHeapMiB} MiB`} (anon ${s.anonMiB}, files ${s.fileMiB}), heap used/total ${s.heapUsedMiB}/${s.heapTotalMiB} MiB, external ${s.externalMiB} MiB, ${s.cacheEntries} cached decisions, event-loop lag ${s.lagMs} ms (p99 ${s.lagP99Ms} ms), ${requests} requests, ${errors} errors`,
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
    liveHeap.close();
    await bridge.stop();
    pg.stop();
  }

  const after = samples.filter((s) => s.minute >= WARMUP_MINUTES);
  const rssSlope = slope(after.map((s) => [s.minute, s.rssMiB]));
  const heapSlope = slope(after.map((s) => [s.minute, s.heapUsedMiB]));
  const heapTotalSlope = slope(after.map((s) => [s.minute, s.heapTotalMiB]));
  const anonSlope = slope(after.map((s) => [s.minute, s.anonMiB]));
  const lagSlope = slope(after.map((s) => [s.minute, s.lagMs]));
  const sorted = latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    +(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(1);
  const live = after.filter((s) => s.liveHeapMiB !== undefined);
  const liveSlope = slope(live.map((s) => [s.minute, s.liveHeapMiB!]));
  const passed = rssSlope < MAX_SLOPE && liveSlope < MAX_HEAP_SLOPE && errors === 0;
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
    heapTotalSlopeMiBPerMin: +heapTotalSlope.toFixed(3),
    liveHeapMiB: { afterWarmup: live[0]?.liveHeapMiB, last: live.at(-1)?.liveHeapMiB },
    liveHeapSlopeMiBPerMin: +liveSlope.toFixed(3),
    maxHeapSlopeMiBPerMin: MAX_HEAP_SLOPE,
    anonSlopeMiBPerMin: +anonSlope.toFixed(3),
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
      `slope after warm-up ${out.rssSlopeMiBPerMin} MiB/min (limit ${MAX_SLOPE}); ` +
      `live heap ${out.liveHeapMiB.afterWarmup} → ${out.liveHeapMiB.last} MiB, slope ${out.liveHeapSlopeMiBPerMin} MiB/min (limit ${MAX_HEAP_SLOPE}); heap used ${out.heapUsedSlopeMiBPerMin}, heap total ${out.heapTotalSlopeMiBPerMin}, anonymous ${out.anonSlopeMiBPerMin} MiB/min; event-loop lag slope ${out.lagSlopeMsPerMin} ms/min: ` +
      (passed ? 'PASS' : 'FAIL'),
  );
  return passed ? 0 : 1;
}

process.exitCode = await main();
