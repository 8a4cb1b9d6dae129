// Event store benchmark, every figure next to a baseline measured in the same run
// on the same private PostgreSQL server (fsync on, synchronous_commit on):
// - single-event appends/s from 50 concurrent callers, store vs plain INSERTs
//   through `pg` (same table shape, same concurrency), in alternating rounds;
// - append latency p50/p99 at a steady offered 2,000 events/s, next to plain
//   single-row INSERTs at the same rate, in alternating rounds;
// - subscriber catch-up rate over N events (LIGHTHOUSE_BENCH_CATCHUP, default 1,000,000);
// - the same append figures on PGlite, against plain INSERTs on PGlite.
// Every measured part on the server starts with a CHECKPOINT: the data-file pages
// an earlier part dirtied are written back then, not by the kernel 30 s later
// (dirty_expire_centisecs) in the middle of whichever part runs at that moment.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openEventStore, type EventStore } from '@lighthouse/bridge/events/index.js';
import { startPostgres } from '@lighthouse/bridge/testing/postgres.js';

export interface EventsBenchOptions {
  /** Seconds per throughput / latency measurement. */
  seconds?: number;
  /** Rounds of the pg throughput comparison (baseline, then store, each round). */
  rounds?: number;
  catchupEvents?: number;
  concurrency?: number;
  steadyRate?: number;
  /** Where the JSON results go; undefined = do not write. */
  resultsFile?: string;
  log?: (line: string) => void;
}

export interface EventsBenchResults {
  date: string;
  settings: { seconds: number; rounds: number; concurrency: number; steadyRate: number; catchupEvents: number };
  /** 1-minute load average at start and end: absolute figures are only comparable on a quiet machine. */
  loadAverage: { start: number; end: number };
  pg: {
    /** The round with the median ratio. */
    baselineInsertsPerSec: number;
    storeAppendsPerSec: number;
    ratio: number;
    rounds: { baselineInsertsPerSec: number; storeAppendsPerSec: number; ratio: number }[];
    /** Average appends per group-commit transaction in the throughput run. */
    eventsPerCommit: number;
    latencyMs: Latency;
    /** Plain single-row INSERTs through `pg` (up to 50 connections) at the same offered rate: this server's floor. */
    baselineLatencyMs: Latency;
    /** Every latency round (the reported one has the median store p99). */
    latencyRounds: { latencyMs: Latency; baselineLatencyMs: Latency }[];
    catchupEventsPerSec: number;
    /** Plain keyset-paged SELECTs by position through `pg`, same page size: no ordering guarantee. */
    baselineReadEventsPerSec: number;
    catchupRatio: number;
  };
  pglite: {
    baselineInsertsPerSec: number;
    storeAppendsPerSec: number;
    ratio: number;
    latencyMs: Latency;
  };
}

interface Latency {
  offeredPerSec: number;
  achievedPerSec: number;
  p50: number;
  p99: number;
  max: number;
}

/** The baseline: one plain single-row INSERT into a table shaped like events. */
const BASELINE_INSERT = `INSERT INTO baseline_events (id, stream, version, type, data) VALUES (gen_random_uuid(), $1, $2, 'Bench', $3::text::jsonb)`;

const data = (i: number) => ({ tool: 'Bash', input: { command: `ls -la src/${i}` }, decision: 'allow' });

/** Runs `worker` on `concurrency` loops for `seconds`; returns operations per second. */
async function closedLoop(
  concurrency: number,
  seconds: number,
  op: (w: number, i: number) => Promise<unknown>,
) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        await op(w, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** Offers `rate` operations per second (open loop, 5 ms ticks) and records each latency. */
async function steadyLoad(rate: number, seconds: number, op: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  const tickMs = 5;
  const perTick = (rate * tickMs) / 1000;
  const start = performance.now();
  let issued = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; issued < due; issued++) {
      const t = performance.now();
      const i = issued;
      inFlight.push(op(i).then(() => void latencies.push(performance.now() - t)));
    }
    await new Promise((r) => setTimeout(r, tickMs * Math.min(1, perTick)));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN, 2);
  return {
    offeredPerSec: rate,
    achievedPerSec: Math.round(latencies.length / elapsed),
    p50: q(0.5),
    p99: q(0.99),
    max: q(1),
  };
}

const round = (n: number, d = 0) => Math.round(n * 10 ** d) / 10 ** d;

/** The round whose `key` is the median (the lower middle one for an even count). */
function medianBy<T>(rounds: T[], key: (r: T) => number): T {
  return [...rounds].sort((a, b) => key(a) - key(b))[Math.floor((rounds.length - 1) / 2)]!;
}

async function pgFigures(
  o: Required<Omit<EventsBenchOptions, 'resultsFile' | 'log'>>,
  log: (l: string) => void,
) {
  const server = await startPostgres();
  let store: EventStore | undefined;
  const pool = new pg.Pool({ connectionString: server.url, max: o.concurrency });
  try {
    store = await openEventStore({ url: server.url, poolSize: 10, subscription: { batchSize: 5000 } });
    await pool.query('CREATE TABLE baseline_events (LIKE events INCLUDING ALL)');
    await pool.query('SET synchronous_commit TO on');
    const settle = () => pool.query('CHECKPOINT');
    // The two take turns, round after round, so a burst of other work on this
    // shared machine does not land on one of them only; the round with the
    // median ratio is reported, every round is kept.
    const rounds: { baselineInsertsPerSec: number; storeAppendsPerSec: number; ratio: number }[] = [];
    const s = store;
    for (let r = 0; r < o.rounds; r++) {
      log(`pg: round ${r + 1}/${o.rounds}, baseline INSERT loop`);
      await settle();
      const baseline = await closedLoop(o.concurrency, o.seconds, (w, i) =>
        pool.query(
          BASELINE_INSERT,
          [`base-${r}-${w}`, i + 1, JSON.stringify(data(i))],
        ),
      );
      log(`pg: round ${r + 1}/${o.rounds}, store appends`);
      await settle();
      const appends = await closedLoop(o.concurrency, o.seconds, (w, i) =>
        s.append(`bench-${w}`, [{ type: 'Bench', data: data(i) }]),
      );
      rounds.push({
        baselineInsertsPerSec: Math.round(baseline),
        storeAppendsPerSec: Math.round(appends),
        ratio: round(appends / baseline, 2),
      });
    }
    const median = medianBy(rounds, (x) => x.ratio);
    const { rows: perTx } = await pool.query<{ n: string }>(
      "SELECT round(count(*)::numeric / count(DISTINCT txid), 1)::text AS n FROM events WHERE stream LIKE 'bench-%'",
    );
    const eventsPerCommit = Number(perTx[0]!.n);
    // Latency takes turns the same way: a stall of this shared machine lands in
    // one round; the round with the median store p99 is reported, every round kept.
    const latencyRounds: { latencyMs: Latency; baselineLatencyMs: Latency }[] = [];
    for (let r = 0; r < o.rounds; r++) {
      log(`pg: steady-rate latency round ${r + 1}/${o.rounds}, plain INSERTs`);
      await settle();
      const baselineLatencyMs = await steadyLoad(o.steadyRate, o.seconds, (i) =>
        pool.query(BASELINE_INSERT, [
          `steady-base-${r}-${i % o.concurrency}`,
          Math.floor(i / o.concurrency) + 1,
          JSON.stringify(data(i)),
        ]),
      );
      log(`pg: steady-rate latency round ${r + 1}/${o.rounds}, store`);
      await settle();
      const latencyMs = await steadyLoad(o.steadyRate, o.seconds, (i) =>
        s.append(`steady-${r}-${i % o.concurrency}`, [{ type: 'Bench', data: data(i) }]),
      );
      latencyRounds.push({ latencyMs, baselineLatencyMs });
    }
    const { latencyMs, baselineLatencyMs } = medianBy(latencyRounds, (x) => x.latencyMs.p99);
    log(`pg: seeding ${o.catchupEvents} events for catch-up`);
    await pool.query(
      `INSERT INTO events (id, stream, version, type, data)
       SELECT gen_random_uuid(), 'catchup-' || (g % 1000), g / 1000 + 1, 'Seed', jsonb_build_object('g', g, 'tool', 'Bash')
       FROM generate_series(0, $1::int - 1) g`,
      [o.catchupEvents],
    );
    // Set hint bits and the visibility map now, so neither reader pays for the bulk load.
    await pool.query('VACUUM ANALYZE events');
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    const total = rows[0]!.n;
    log(`pg: baseline paged SELECT over ${total} events`);
    let after = '0';
    let read = 0;
    const b0 = performance.now();
    for (;;) {
      const page = await pool.query<{ position: string }>(
        `SELECT position::text AS position, txid::text AS txid, id::text AS id, stream, version, type, data, metadata, created_at
         FROM events WHERE position > $1::bigint ORDER BY position LIMIT 5000`,
        [after],
      );
      if (page.rows.length === 0) break;
      read += page.rows.length;
      after = page.rows.at(-1)!.position;
    }
    const baselineReadEventsPerSec = Math.round(read / ((performance.now() - b0) / 1000));
    log(`pg: subscriber catch-up over ${total} events`);
    let seen = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const sub = s.subscribe({ from: 'start' }, () => {
        if (++seen === total) void sub.close().then(resolve);
      });
    });
    const catchupEventsPerSec = Math.round(total / ((performance.now() - t0) / 1000));
    return {
      ...median,
      rounds,
      eventsPerCommit,
      latencyMs,
      baselineLatencyMs,
      latencyRounds,
      catchupEventsPerSec,
      baselineReadEventsPerSec,
      catchupRatio: round(catchupEventsPerSec / baselineReadEventsPerSec, 2),
    };
  } finally {
    await store?.close();
    await pool.end();
    server.stop();
  }
}

async function pgliteFigures(
  o: Required<Omit<EventsBenchOptions, 'resultsFile' | 'log'>>,
  log: (l: string) => void,
) {
  const base = mkdtempSync(path.join(tmpdir(), 'lh-bench-pglite-'));
  try {
    log('pglite: baseline INSERT loop');
    const raw = await PGlite.create({ dataDir: path.join(base, 'raw') });
    await raw.exec(
      `CREATE TABLE baseline_events (
         position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
         id uuid NOT NULL UNIQUE, stream text NOT NULL, version int NOT NULL, type text NOT NULL, data jsonb NOT NULL,
         metadata jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream, version))`,
    );
    const baseline = await closedLoop(o.concurrency, o.seconds, (w, i) =>
      raw.query(
        BASELINE_INSERT,
        [`base-${w}`, i + 1, JSON.stringify(data(i))],
      ),
    );
    await raw.close();
    log('pglite: store appends');
    const store = await openEventStore({ dataDir: path.join(base, 'store') });
    try {
      const appends = await closedLoop(o.concurrency, o.seconds, (w, i) =>
        store.append(`bench-${w}`, [{ type: 'Bench', data: data(i) }]),
      );
      log('pglite: steady-rate latency');
      const latencyMs = await steadyLoad(o.steadyRate, o.seconds, (i) =>
        store.append(`steady-${i % o.concurrency}`, [{ type: 'Bench', data: data(i) }]),
      );
      return {
        baselineInsertsPerSec: Math.round(baseline),
        storeAppendsPerSec: Math.round(appends),
        ratio: round(appends / baseline, 2),
        latencyMs,
      };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

export function formatTable(r: EventsBenchResults): string {
  const rows: [string, string, string, string][] = [
    ['measure', 'lighthouse', 'baseline', 'ratio'],
    [
      `pg appends/s, ${r.settings.concurrency} callers`,
      `${r.pg.storeAppendsPerSec} (${r.pg.eventsPerCommit} per commit)`,
      `${r.pg.baselineInsertsPerSec} (plain INSERT)`,
      `${r.pg.ratio}x (median of ${r.pg.rounds.map((x) => `${x.ratio}x`).join(', ')})`,
    ],
    [
      `pg latency @ ${r.pg.latencyMs.offeredPerSec}/s offered`,
      `p50 ${r.pg.latencyMs.p50} ms, p99 ${r.pg.latencyMs.p99} ms (${r.pg.latencyMs.achievedPerSec}/s done)`,
      `p50 ${r.pg.baselineLatencyMs.p50} ms, p99 ${r.pg.baselineLatencyMs.p99} ms (plain INSERT)`,
      `median store p99 of ${r.pg.latencyRounds.map((x) => `${x.latencyMs.p99}`).join(', ')} ms`,
    ],
    [
      `pg subscriber catch-up events/s`,
      String(r.pg.catchupEventsPerSec),
      `${r.pg.baselineReadEventsPerSec} (paged SELECT)`,
      `${r.pg.catchupRatio}x`,
    ],
    [
      `PGlite appends/s, ${r.settings.concurrency} callers`,
      String(r.pglite.storeAppendsPerSec),
      `${r.pglite.baselineInsertsPerSec} (plain INSERT)`,
      `${r.pglite.ratio}x`,
    ],
    [
      `PGlite latency @ ${r.pglite.latencyMs.offeredPerSec}/s offered`,
      `p50 ${r.pglite.latencyMs.p50} ms, p99 ${r.pglite.latencyMs.p99} ms (${r.pglite.latencyMs.achievedPerSec}/s done)`,
      '-',
      '-',
    ],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  const table = rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')).join('\n');
  return `${table}\nload average ${r.loadAverage.start} at start, ${r.loadAverage.end} at end`;
}

export async function runEventsBench(opts: EventsBenchOptions = {}): Promise<EventsBenchResults> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const o = {
    seconds: opts.seconds ?? 5,
    rounds: opts.rounds ?? 3,
    catchupEvents: opts.catchupEvents ?? 1_000_000,
    concurrency: opts.concurrency ?? 50,
    steadyRate: opts.steadyRate ?? 2000,
  };
  const loadStart = loadavg()[0]!;
  const pgResults = await pgFigures(o, log);
  const pgliteResults = await pgliteFigures(o, log);
  const results: EventsBenchResults = {
    date: new Date().toISOString(),
    settings: o,
    loadAverage: { start: round(loadStart, 1), end: round(loadavg()[0]!, 1) },
    pg: pgResults,
    pglite: pgliteResults,
  };
  if (opts.resultsFile) {
    mkdirSync(path.dirname(opts.resultsFile), { recursive: true });
    writeFileSync(opts.resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  }
  return results;
}
