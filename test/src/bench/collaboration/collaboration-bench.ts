// Agent-collaboration benchmark, against a real bridge process on a private
// PostgreSQL server:
//  1. elicitation round trip (requester creates → target accepts → the
//     requester's long poll returns the answer) with 100 concurrent pairs,
//     next to the same three HTTP calls on a bare Express app that keeps the
//     elicitation in a Map (no signing, no store): the floor;
//  2. `lighthouse hook pre-tool-use` end to end (process start, stdin, signed
//     call, decision-cache hit, output) next to `node -e 0`.
// Ratios are against baselines measured in the same run.
//   node test/dist/bench/collaboration/collaboration-bench.js   (make bench-collaboration)
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { issueCredential, parseCredential, type Credential } from '@lighthouse/bridge/auth/credentials.js';
import { signedHeaders } from '@lighthouse/bridge/client/signed-headers.js';
import { writeClientConfig } from '@lighthouse/bridge/hook/client-config.js';
import { freePort, startPostgres } from '@lighthouse/bridge/testing/postgres.js';
import { startCpuMeter } from '../../processes/cpu.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = path.join(REPO, 'bridge', 'bin', 'lighthouse.js');
const PAIRS = Number(process.env.PAIRS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
/**
 * Rounds each pair runs before its measured ones, in the same run: the first
 * rounds after all pairs start at once carry a start-up tail (bare Express shows
 * p99 ~350 ms there and ~40 ms from the third run on), which is the harness, not
 * the server under test.
 */
const WARMUP_ROUNDS = Number(process.env.WARMUP_ROUNDS ?? 5);
const HOOK_RUNS = Number(process.env.HOOK_RUNS ?? 30);

const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p99: r(percentile(s, 99)),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

interface Rt {
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  get(path: string): Promise<{ status: number; body: unknown }>;
}

/** One pair's rounds: returns each round trip in ms. */
/** Rounds that failed (transport error or an unexpected answer): reported, not timed. */
const failures: string[] = [];

async function round(requester: Rt, target: Rt, to: string): Promise<number> {
  const t0 = performance.now();
  const created = await requester.post('/v1/elicitations', {
    to,
    message: 'ok?',
    requestedSchema: schema,
    timeoutSeconds: 60,
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const id = (created.body as { id: string }).id;
  // Both in flight at once, so a failed accept never leaves the poll unhandled.
  const [accepted, got] = await Promise.all([
    target.post(`/v1/elicitations/${id}/accept`, { content: { ok: true } }),
    requester.get(`/v1/elicitations/${id}?wait=30`),
  ]);
  if (accepted.status !== 200) throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  if ((got.body as { status: string }).status !== 'accepted')
    throw new Error(`outcome: ${JSON.stringify(got.body)}`);
  return performance.now() - t0;
}

/** One pair's rounds, one after another: each round trip after its warm-up rounds, in ms. */
async function pair(requester: Rt, target: Rt, to: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
    try {
      const ms = await round(requester, target, to);
      if (i >= WARMUP_ROUNDS) out.push(ms);
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      failures.push(`${(err as Error).message}${cause ? ` (${String(cause)})` : ''}`);
    }
  }
  return out;
}

async function roundTrips(make: (agent: string) => Rt): Promise<number[]> {
  const runs = Array.from({ length: PAIRS }, (_, i) => pair(make(`req-${i}`), make(`tgt-${i}`), `tgt-${i}`));
  return (await Promise.all(runs)).flat();
}

/** The floor: the same three calls on bare Express, state in a Map. */
async function baseline(): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(express.json());
  const items = new Map<string, { status: string; content?: unknown; waiters: (() => void)[] }>();
  app.post('/v1/elicitations', (_req, res) => {
    const id = randomUUID();
    items.set(id, { status: 'pending', waiters: [] });
    res.status(201).json({ id, status: 'pending' });
  });
  app.post('/v1/elicitations/:id/accept', (req, res) => {
    const e = items.get(req.params.id)!;
    e.status = 'accepted';
    e.content = (req.body as { content: unknown }).content;
    e.waiters.splice(0).forEach((w) => w());
    res.json({ status: e.status });
  });
  app.get('/v1/elicitations/:id', (req, res) => {
    const e = items.get(req.params.id)!;
    const send = () => res.json({ status: e.status, content: e.content });
    if (e.status === 'pending') e.waiters.push(send);
    else send();
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

// One HTTP client for the floor and the bridge alike: node:http on a keep-alive
// agent. (fetch costs several times the CPU per request; with 200 agents in this
// one process it saturated a core and its queueing, not the server, set the tail.)
const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

function httpClient(url: string, credential?: Credential): Rt {
  const { hostname, port } = new URL(url);
  const call = (method: string, p: string, body?: unknown) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const payload = body === undefined ? '' : JSON.stringify(body);
      const headers: Record<string, string> = credential ? signedHeaders(credential, method, p, payload) : {};
      if (payload) headers['content-type'] = 'application/json';
      const req = http.request({ agent, hostname, port, method, path: p, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  return { post: (p, b) => call('POST', p, b), get: (p) => call('GET', p) };
}

function timeProcess(
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout }));
    child.stdin.end(input);
  });
}

async function main() {
  const pg = await startPostgres();
  const master = randomBytes(32).toString('hex');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const work = mkdtempSync(path.join(tmpdir(), 'lh-collab-bench-'));
  const bridge = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      LIGHTHOUSE_MASTER_KEY: master,
      LIGHTHOUSE_DATABASE_URL: pg.url,
      LIGHTHOUSE_RATE_ELICITATION_PER_MINUTE: '1000000',
      LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: '1000000',
    },
    stdio: 'inherit',
  });
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 200) throw new Error('bridge did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const key = Buffer.from(master, 'utf8');
    const signed = (id: string): Rt => httpClient(url, parseCredential(issueCredential(key, id)));

    // Warm-up (JIT, pool connections), then the measured runs, baseline first.
    const phase = (name: string) => process.stderr.write(`${new Date().toISOString()} ${name}\n`);
    phase('baseline (bare Express)');
    const floor = await baseline();
    await roundTrips(() => httpClient(floor.url));
    failures.length = 0;
    const base = summary(await roundTrips(() => httpClient(floor.url)));
    const baseFailures = failures.splice(0);
    floor.server.close();
    phase('bridge');
    await roundTrips(signed);
    failures.length = 0;
    const cpu = startCpuMeter(bridge.pid!, pg.dataDir);
    const ours = summary(await roundTrips(signed));
    // Where a round trip's CPU time goes: with every core busy, this sets the queueing.
    const cpuMicrosPerRoundTrip = cpu(PAIRS * (WARMUP_ROUNDS + ROUNDS));
    const bridgeFailures = failures.splice(0);

    phase('hook');
    // Hook: one call warms the decision cache, then every run is a cache hit.
    writeClientConfig(url, issueCredential(key, 'claude'), { XDG_CONFIG_HOME: work });
    const env = { PATH: '/usr/bin:/bin', HOME: work, XDG_CONFIG_HOME: work };
    const payload = JSON.stringify({
      session_id: 's',
      cwd: work,
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: 'ls -la' },
    });
    const first = await timeProcess([CLI, 'hook', 'pre-tool-use'], payload, env);
    if (first.code !== 0 || !first.stdout.includes('"allow"'))
      throw new Error(`hook failed: ${first.code} ${first.stdout}`);
    const hookTimes: number[] = [];
    const nodeTimes: number[] = [];
    for (let i = 0; i < HOOK_RUNS; i++) {
      nodeTimes.push((await timeProcess(['-e', '0'], '', env)).ms);
      hookTimes.push((await timeProcess([CLI, 'hook', 'pre-tool-use'], payload, env)).ms);
    }
    const hook = summary(hookTimes);
    const node = summary(nodeTimes);

    const report = {
      at: new Date().toISOString(),
      elicitationRoundTripMs: {
        pairs: PAIRS,
        rounds: ROUNDS,
        warmupRounds: WARMUP_ROUNDS,
        bridge: { ...ours, failedRounds: bridgeFailures.length, firstFailure: bridgeFailures[0] ?? null },
        cpuMicrosPerRoundTrip,
        bareExpressInMemory: {
          ...base,
          failedRounds: baseFailures.length,
          firstFailure: baseFailures[0] ?? null,
        },
        p50Ratio: +(ours.p50 / base.p50).toFixed(1),
        p99Ratio: +(ours.p99 / base.p99).toFixed(1),
        goalP99Ms: 50,
      },
      hookPreToolUseMs: {
        runs: HOOK_RUNS,
        hook,
        nodeE0: node,
        p50Ratio: +(hook.p50 / node.p50).toFixed(1),
        overheadP50Ms: +(hook.p50 - node.p50).toFixed(1),
      },
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    bridge.kill('SIGTERM');
    await new Promise((r) => bridge.once('exit', r));
    pg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  const cause = (err as { cause?: unknown }).cause;
  process.stderr.write(
    `collaboration bench failed: ${(err as Error).stack ?? err}${cause ? `\ncause: ${String(cause)}` : ''}\n`,
  );
  process.exit(1);
});
