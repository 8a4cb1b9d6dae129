import { describe, expect, it } from '@jest/globals';
import { reportRows } from './report.js';

describe('reportRows', () => {
  it('puts a figure beside its baseline with the ratio and whether the goal is met', () => {
    const rows = reportRows('events', {
      pg: {
        storeAppendsPerSec: 3000,
        baselineInsertsPerSec: 750,
        latencyMs: { offeredPerSec: 2000, p50: 2, p99: 12 },
        baselineLatencyMs: { offeredPerSec: 2000, p50: 1, p99: 15 },
      },
    });
    expect(rows[0]).toMatchObject({ value: 3000, baseline: 750, ratio: 4, goal: '≥ 3×', met: true });
    expect(rows.find((r) => r.figure.includes('p99'))).toMatchObject({ value: 12, baseline: 15, met: false });
  });

  it('shows missing figures as null instead of failing', () => {
    const rows = reportRows('bridge', { figures: [{ name: 'bridge validate, cache hit' }] });
    expect(rows[0]).toMatchObject({ value: null, ratio: null, met: false });
  });

  it('adds up an elicitation round trip’s CPU in all processes, beside the floor’s', () => {
    const rows = reportRows('collaboration', {
      elicitationRoundTripMs: {
        pairs: 100,
        bridge: { p50: 60, p99: 80 },
        cpuMicrosPerRoundTrip: { server: 500, database: 250, client: 300 },
        bareExpressInMemory: { p50: 24, p99: 40, cpuMicrosPerRoundTripWithLoadGenerator: 600 },
      },
    });
    expect(rows.find((r) => r.figure.includes('CPU in all processes'))).toMatchObject({
      value: 1050,
      baseline: 600,
      ratio: 1.75,
    });
  });

  it('splits the CPU time of a request between bridge, PostgreSQL and load generator, beside the echo', () => {
    const rows = reportRows('bridge', {
      figures: [
        { name: 'express echo', rps: 1000, cpuMicrosPerRequest: { server: 60, client: 40 } },
        { name: 'bridge validate, cache hit', rps: 400, cpuMicrosPerRequest: { server: 170, database: 110, client: 100 } },
      ],
    });
    expect(rows.find((r) => r.figure.includes('cache hit: CPU per request'))).toMatchObject({
      value: 170,
      unit: 'µs / 110 µs / 100 µs',
      baseline: 100,
      ratio: 3.8,
    });
    expect(rows.find((r) => r.figure.startsWith('bare Express echo: CPU'))).toMatchObject({
      value: 60,
      unit: 'µs / 40 µs',
    });
  });

  it('has nothing to say about an unknown benchmark', () => {
    expect(reportRows('nope', { x: 1 })).toEqual([]);
  });
});
