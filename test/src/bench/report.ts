// Turns each benchmark's own JSON into report rows: figure, baseline, ratio, goal.
// Tolerant of missing fields (a benchmark that changed shape shows "–", not a crash).
export interface Row {
  figure: string;
  value: number | null;
  unit: string;
  baseline?: number | null;
  /** When the baseline's unit differs from the figure's (which may list several values). */
  baselineUnit?: string;
  baselineLabel?: string;
  ratio?: number | null;
  goal?: string;
  met?: boolean;
}

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const ratio = (a: unknown, b: unknown): number | null => {
  const x = num(a);
  const y = num(b);
  return x !== null && y ? x / y : null;
};

function events(d: J): Row[] {
  const rows: Row[] = [];
  for (const driver of ['pg', 'pglite'] as const) {
    const r = d[driver] as J | undefined;
    if (!r) continue;
    rows.push({
      figure: `${driver}: appends/s, 50 concurrent single-event callers`,
      value: num(r.storeAppendsPerSec),
      unit: '/s',
      baseline: num(r.baselineInsertsPerSec),
      baselineLabel: 'plain INSERTs, same concurrency',
      ratio: ratio(r.storeAppendsPerSec, r.baselineInsertsPerSec),
      ...(driver === 'pg'
        ? { goal: '≥ 3×', met: (ratio(r.storeAppendsPerSec, r.baselineInsertsPerSec) ?? 0) >= 3 }
        : {}),
    });
    const lat = r.latencyMs as J | undefined;
    const medianOf = (rounds: unknown) =>
      Array.isArray(rounds) && rounds.length > 1 ? ` (median round of ${rounds.length})` : '';
    const base = r.baselineLatencyMs as J | undefined;
    const floor = (p: 'p50' | 'p99') =>
      base ? { baseline: num(base[p]), baselineLabel: 'plain single-row INSERTs at the same rate' } : {};
    if (lat) {
      rows.push({
        figure: `${driver}: append p50 at ${lat.offeredPerSec}/s offered (${lat.achievedPerSec}/s achieved)`,
        value: num(lat.p50),
        unit: 'ms',
        ...floor('p50'),
      });
      rows.push({
        figure: `${driver}: append p99 at ${lat.offeredPerSec}/s offered${medianOf(r.latencyRounds)}`,
        value: num(lat.p99),
        unit: 'ms',
        ...floor('p99'),
        ...(driver === 'pg' ? { goal: '< 10 ms', met: (num(lat.p99) ?? Infinity) < 10 } : {}),
      });
    }
    if (r.catchupEventsPerSec !== undefined) {
      rows.push({
        figure: `${driver}: subscriber catch-up over ${d.settings?.catchupEvents ?? '?'} events`,
        value: num(r.catchupEventsPerSec),
        unit: 'events/s',
        baseline: num(r.baselineReadEventsPerSec),
        baselineLabel: 'plain SELECT of the same rows',
        ratio: ratio(r.catchupEventsPerSec, r.baselineReadEventsPerSec),
        goal: '≥ 50,000/s',
        met: (num(r.catchupEventsPerSec) ?? 0) >= 50_000,
      });
    }
  }
  return rows;
}

function bridge(d: J): Row[] {
  const figures = (d.figures ?? []) as J[];
  const by = (name: string) => figures.find((f) => f.name === name);
  const express = by('express echo');
  const rows: Row[] = [];
  for (const [name, p99Goal] of [
    ['bridge validate, cache hit', 5],
    ['bridge validate, cache miss', 20],
  ] as const) {
    const f = by(name);
    if (!f) continue;
    rows.push({
      figure: `${name}: throughput, ${d.connections} connections`,
      value: num(f.rps),
      unit: 'req/s',
      baseline: num(express?.rps),
      baselineLabel: 'bare Express JSON echo',
      ratio: ratio(f.rps, express?.rps),
      goal: '≥ 0.5×',
      met: (ratio(f.rps, express?.rps) ?? 0) >= 0.5,
    });
    rows.push({
      figure: `${name}: p99`,
      value: num(f.p99Ms),
      unit: 'ms',
      baseline: num(express?.p99Ms),
      baselineLabel: 'bare Express JSON echo',
      ratio: ratio(f.p99Ms, express?.p99Ms),
      goal: `< ${p99Goal} ms`,
      met: (num(f.p99Ms) ?? Infinity) < p99Goal,
    });
  }
  const http = by('node:http echo');
  if (http && express) {
    rows.push({
      figure: 'bare Express echo throughput',
      value: num(express.rps),
      unit: 'req/s',
      baseline: num(http.rps),
      baselineLabel: 'node:http echo',
      ratio: ratio(express.rps, http.rps),
    });
  }
  for (const f of (d.singleConnection ?? []) as J[]) {
    rows.push({ figure: `${f.name}: p50 / p99`, value: num(f.p50Ms), unit: `ms / ${f.p99Ms} ms` });
  }
  // Where a request's CPU time goes, at 50 connections: what a throughput ratio can be at most.
  const cpuTotal = (f: J | undefined) => {
    const c = f?.cpuMicrosPerRequest as J | undefined;
    return c ? (num(c.server) ?? 0) + (num(c.database) ?? 0) + (num(c.client) ?? 0) : null;
  };
  for (const name of ['bridge validate, cache hit', 'bridge validate, cache miss', 'express echo']) {
    const c = by(name)?.cpuMicrosPerRequest as J | undefined;
    if (!c) continue;
    const bridgeSide = name !== 'express echo';
    rows.push({
      figure: bridgeSide
        ? `${name}: CPU per request — bridge / PostgreSQL / load generator`
        : 'bare Express echo: CPU per request — server / load generator',
      value: num(c.server),
      unit: bridgeSide ? `µs / ${c.database} µs / ${c.client} µs` : `µs / ${c.client} µs`,
      ...(bridgeSide
        ? {
            baseline: cpuTotal(express),
            baselineUnit: 'µs',
            baselineLabel: 'bare Express echo, server + load generator; ratio of the totals',
            ratio: ratio(cpuTotal(by(name)), cpuTotal(express)),
          }
        : {}),
    });
  }
  return rows;
}

function policy(d: J): Row[] {
  return [
    {
      figure: `policy decision of a call (${d.calls} calls, default policy)`,
      value: num(d.decideUs),
      unit: 'µs',
      baseline: num(d.parseUs),
      baselineLabel: 'mvdan-sh parse alone',
      ratio: ratio(d.decideUs, d.parseUs),
    },
    { figure: 'decision-cache key of a call', value: num(d.cacheKeyUs), unit: 'µs' },
  ];
}

function collaboration(d: J): Row[] {
  const rows: Row[] = [];
  const e = d.elicitationRoundTripMs as J | undefined;
  if (e) {
    for (const q of ['p50', 'p99'] as const) {
      rows.push({
        figure:
          `elicitation round trip ${q}, ${e.pairs} concurrent pairs` +
          (e.warmupRounds ? ` (${e.rounds} rounds each after ${e.warmupRounds} warm-up rounds)` : ''),
        value: num(e.bridge?.[q]),
        unit: 'ms',
        baseline: num(e.bareExpressInMemory?.[q]),
        baselineLabel: 'bare Express, in memory',
        ratio: ratio(e.bridge?.[q], e.bareExpressInMemory?.[q]),
        ...(q === 'p99' ? { goal: '< 50 ms', met: (num(e.bridge?.p99) ?? Infinity) < 50 } : {}),
      });
    }
    const cpu = e.cpuMicrosPerRoundTrip as J | undefined;
    if (cpu) {
      rows.push({
        figure: 'elicitation round trip: CPU — bridge / PostgreSQL / load generator',
        value: num(cpu.server),
        unit: `µs / ${cpu.database} µs / ${cpu.client} µs`,
      });
      // With every core busy, the CPU a round trip costs in all processes sets the queueing.
      const total = [cpu.server, cpu.database, cpu.client].reduce((a: number, b) => a + (num(b) ?? 0), 0);
      const floor = num(e.bareExpressInMemory?.cpuMicrosPerRoundTripWithLoadGenerator);
      rows.push({
        figure: 'elicitation round trip: CPU in all processes, load generator included',
        value: total,
        unit: 'µs',
        baseline: floor,
        baselineLabel: 'bare Express and its load generator',
        ratio: ratio(total, floor),
      });
    }
  }
  const h = d.hookPreToolUseMs as J | undefined;
  if (h) {
    rows.push({
      figure: '`lighthouse hook pre-tool-use` process, cache hit, p50',
      value: num(h.hook?.p50),
      unit: 'ms',
      baseline: num(h.nodeE0?.p50),
      baselineLabel: '`node -e 0`',
      ratio: ratio(h.hook?.p50, h.nodeE0?.p50),
    });
  }
  return rows;
}

function fuse(d: J): Row[] {
  return ((d.results ?? []) as J[]).flatMap((r) =>
    (['p50Us', 'p99Us'] as const).map((q) => {
      const warm = !/cold/.test(String(r.name));
      return {
        figure: `${r.name} ${q.slice(0, 3)} (${r.mount?.n} ops)`,
        value: num(r.mount?.[q]),
        unit: 'µs',
        baseline: num(r.tmpfs?.[q]),
        baselineLabel: 'tmpfs, same files',
        ratio: ratio(r.mount?.[q], r.tmpfs?.[q]),
        ...(warm && q === 'p99Us' ? { goal: '< 5 ms', met: (num(r.mount?.[q]) ?? Infinity) < 5000 } : {}),
      };
    }),
  );
}

function operator(d: J): Row[] {
  const rss = (d.rssMiBAt ?? {}) as Record<string, number>;
  const rows: Row[] = [
    {
      figure: 'LighthouseBridges created at once → all Ready',
      value: num(d.bridgesReadyMs) === null ? null : d.bridgesReadyMs / 1000,
      unit: 's',
      baseline:
        num(d.baselineDeploymentsAvailableMs) === null ? null : d.baselineDeploymentsAvailableMs / 1000,
      baselineLabel: 'the same number of plain Deployments',
      ratio: num(d.readyRatioToBaseline),
      goal: '< 60 s for 200',
      met: (num(d.bridgesReadyMs) ?? Infinity) < 60_000,
    },
    { figure: 'API writes per LighthouseBridge', value: num(d.writesPerBridge), unit: '' },
    {
      figure: 'steady-state writes per minute',
      value: num(d.steadyStateWritesPerMinute),
      unit: '/min',
      goal: '0',
      met: num(d.steadyStateWritesPerMinute) === 0,
    },
  ];
  for (const [n, mib] of Object.entries(rss)) {
    rows.push({
      figure: `operator RSS at ${n} resources`,
      value: num(mib),
      unit: 'MiB',
      ...(n === '1000' ? { goal: '< 150 MiB', met: (num(mib) ?? Infinity) < 150 } : {}),
    });
  }
  return rows;
}

function load(d: J): Row[] {
  const rows = ((d.results ?? []) as J[]).map((r) => ({
    figure: `${r.agents} agents (${r.offeredPerSec}/s offered, ${r.achievedPerSec}/s done, ${r.errors} errors): validate p50 / p95 / p99`,
    value: num(r.endpoints?.validate?.p99),
    unit: `ms p99 (p50 ${r.endpoints?.validate?.p50}, p95 ${r.endpoints?.validate?.p95})`,
    ...(r.agents === 1000
      ? {
          goal: '< 100 ms, 0 errors',
          met: (num(r.endpoints?.validate?.p99) ?? Infinity) < 100 && r.errors === 0,
        }
      : {}),
  }));
  rows.push({
    figure: 'agents at which validate p99 crosses 100 ms',
    value: num(d.p99Over100msFromAgents),
    unit:
      d.p99Over100msFromAgents === null
        ? '(not reached)'
        : `agents (still under 100 ms at ${d.p99Under100msUpToAgents ?? 'no level measured'})`,
  });
  return rows;
}

const adapters: Record<string, (d: J) => Row[]> = {
  events,
  bridge,
  policy,
  collaboration,
  fuse,
  operator,
  load,
};

export function reportRows(name: string, data: J): Row[] {
  return adapters[name]?.(data) ?? [];
}
