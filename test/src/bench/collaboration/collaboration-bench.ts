// Agent-collaboration benchmark, against a real bridge process on a private
// PostgreSQL server:
//  1. elicitation round trip (the requester creates with `?wait=` → the target
//     hears of it on its event stream and accepts → the create answers with
//     the outcome) with 100 concurrent pairs, next to the same flow on a bare
//     Express app that keeps the elicitation in a Map (no signing, no store):
//     the floor;
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
import express, { type Response } from 'express';
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
  /** Opens an event stream; `onEvent` gets each event's parsed data. */
  stream(path: string, onEvent: (data: unknown) => void): Promise<() => void>;
}

/** Rounds that failed (transport error or an unexpected answer): reported, not timed. */
const failures: string[] = [];
const fail = (err: unknown) => {
  const cause = (err as { cause?: unknown }).cause;
  failures.push(`${(err as Error).message}${cause ? ` (${String(cause)})` : ''}`);
};

/**
 * The flow an agent uses: the requester creates with `?wait=` (MCP's
 * elicitation/create answers with the outcome), the target hears of it on its
 * event stream and accepts, and the requester's create returns the answer.
 */
async function round(requester: Rt, to: string): Promise<number> {
  const t0 = performance.now();
  const created = await requester.post('/v1/elicitations?wait=30', {
    to,
    message: 'ok?',
    requestedSchema: schema,
    timeoutSeconds: 60,
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  if ((created.body as { status: string }).status !== 'accepted')
    throw new Error(`outcome: ${JSON.stringify(created.body)}`);
  return performance.now() - t0;
}

/** One pair's rounds, one after another: each round trip after its warm-up rounds, in ms. */
async function pair(requester: Rt, target: Rt, to: string): Promise<number[]> {
  const close = await target.stream('/v1/elicitations/stream?role=target', (data) => {
    const e = data as { id: string; status: string };
    if (e.status !== 'pending') return;
    target.post(`/v1/elicitations/${e.id}/accept`, { content: { ok: true } }).then((r) => {
      if (r.status !== 200) fail(new Error(`accept: ${r.status} ${JSON.stringify(r.body)}`));
    }, fail);
  });
  const out: number[] = [];
  try {
    for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
      try {
        const ms = await round(requester, to);
        if (i >= WARMUP_ROUNDS) out.push(ms);
      } catch (err) {
        fail(err);
      }
    }
  } finally {
    close();
  }
  return out;
}

async function roundTrips(make: (agent: string) => Rt): Promise<number[]> {
  const runs = Array.from({ length: PAIRS }, (_, i) => pair(make(`req-${i}`), make(`tgt-${i}`), `tgt-${i}`));
  return (await Promise.all(runs)).flat();
}

/** The floor: the same flow on bare Express, state in a Map, no signing, no store. */
async function baseline(): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(express.json());
  type Item = { id: string; status: string; content?: unknown; done?: () => void };
  const items = new Map<string, Item>();
  const streams = new Map<string, Response>();
  app.post('/v1/elicitations', (req, res) => {
    const item: Item = { id: randomUUID(), status: 'pending' };
    items.set(item.id, item);
    item.done = () => res.status(201).json({ id: item.id, status: item.status, content: item.content });
    streams
      .get((req.body as { to: string }).to)
      ?.write(`event: elicitation\ndata: ${JSON.stringify({ id: item.id, status: item.status })}\n\n`);
  });
  app.get('/v1/elicitations/stream', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    const agent = String(req.headers['x-agent']);
    streams.set(agent, res);
    res.on('close', () => streams.delete(agent));
  });
  app.post('/v1/elicitations/:id/accept', (req, res) => {
    const e = items.get(req.params.id)!;
    items.delete(e.id);
    e.status = 'accepted';
    e.content = (req.body as { content: unknown }).content;
    e.done!();
    res.json({ id: e.id, status: e.status });
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

function httpClient(url: string, agentId: string, credential?: Credential): Rt {
  const { hostname, port } = new URL(url);
  const headersFor = (method: string, p: string, payload: string): Record<string, string> =>
    credential ? signedHeaders(credential, method, p, payload) : { 'x-agent': agentId };
  const post = (p: string, body: unknown) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const headers = { ...headersFor('POST', p, payload), 'content-type': 'application/json' };
      const req = http.request({ agent, hostname, port, method: 'POST', path: p, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  const stream = (p: string, onEvent: (data: unknown) => void) =>
    new Promise<() => void>((resolve, reject) => {
      // Its own connection: a stream holds it for as long as it lasts.
      const req = http.request({ hostname, port, method: 'GET', path: p, headers: headersFor('GET', p, '') });
      req.on('response', (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const data = buffered
              .slice(0, end)
              .split('\n')
              .find((l) => l.startsWith('data: '));
            buffered = buffered.slice(end + 2);
            if (data) onEvent(JSON.parse(data.slice(6)));
          }
        });
        resolve(() => req.destroy());
      });
      req.on('error', reject);
      req.end();
    });
  return { post, stream };
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
    const signed = (id: string): Rt => httpClient(url, id, parseCredential(issueCredential(key, id)));

    // Warm-up (JIT, pool connections), then the measured runs, baseline first.
    const phase = (name: string) => process.stderr.write(`${new Date().toISOString()} ${name}\n`);
    phase('baseline (bare Express)');
    const floor = await baseline();
    await roundTrips((id) => httpClient(floor.url, id));
    failures.length = 0;
    const floorCpu = process.cpuUsage();
    const base = summary(await roundTrips((id) => httpClient(floor.url, id)));
    // The floor's server and its load generator share this process: their CPU together.
    const floorUsed = process.cpuUsage(floorCpu);
    const floorCpuMicros = Math.round((floorUsed.user + floorUsed.system) / (PAIRS * (WARMUP_ROUNDS + ROUNDS)));
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
          cpuMicrosPerRoundTripWithLoadGenerator: floorCpuMicros,
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
