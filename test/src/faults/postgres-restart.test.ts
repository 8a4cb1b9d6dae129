// Restart PostgreSQL (immediate stop: no checkpoint, like a crash) under load:
// during the outage nothing is allowed (a block, or 503 with Retry-After), the
// bridge serves again within seconds, no acknowledged decision or event is
// lost, and an event-store subscriber carries on without gaps or duplicates.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@lighthouse/bridge/testing/postgres.js';
import type { Subscription } from '@lighthouse/bridge/events/index.js';
import { startTestBridge, until, type TestBridge } from '../bridge/harness.js';
import { startTraffic } from './traffic.js';
import { missingDecisions, missingPositions } from './store-check.js';

let server: PostgresServer;
let bridge: TestBridge;
let sub: Subscription | undefined;

beforeAll(async () => {
  server = await startPostgres();
  bridge = await startTestBridge(
    { databaseUrl: server.url },
    { LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: '1000000', LIGHTHOUSE_RATE_WRITES_PER_MINUTE: '1000000' },
  );
}, 60_000);

afterAll(async () => {
  await sub?.close();
  await bridge?.close();
  server?.stop();
});

describe('PostgreSQL restart under load', () => {
  it('fails closed during the outage, recovers within seconds and loses nothing acknowledged', async () => {
    const seen: number[] = [];
    sub = bridge.services.store.subscribe({ from: 'start', streamPrefix: 'fault-' }, (e) => {
      seen.push(Number(e.position));
    });

    let down = false;
    const traffic = startTraffic({
      clients: [1, 2, 3, 4].map((i) => bridge.client(`agent-pg${i}`)),
      concurrency: 8,
      failClosedWindow: () => down,
    });
    await new Promise((r) => setTimeout(r, 2_000));
    const before = new Map(traffic.ledger.outcomes);
    down = true;
    server.kill('immediate');
    await new Promise((r) => setTimeout(r, 3_000));
    const during = new Map(traffic.ledger.outcomes);
    server.start();
    down = false;
    const restarted = performance.now();
    const agent = bridge.client('agent-probe');
    const recoveredMs = await until(async () => {
      const res = await agent.post<{ decision: string; tier: string }>('/v1/validate', {
        tool: 'Read',
        input: { file_path: '/work/a' },
      });
      return res.status === 200 && res.body.tier !== 'error' ? performance.now() - restarted : undefined;
    }, 20_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const ledger = await traffic.stop();

    const outageOutcomes = [...during].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const);
    const failedClosed = outageOutcomes
      .filter(([k]) => k === '200 block/error' || k === '503 store_unavailable')
      .reduce((s, [, n]) => s + n, 0);
    expect(failedClosed).toBeGreaterThan(0);
    expect(ledger.allowsWhileDown).toBe(0);
    expect(ledger.unavailableWithoutRetryAfter).toBe(0);
    // Only those two answers are server-side failures; nothing else 5xx, no dropped connection.
    const unexpected = [...ledger.outcomes].filter(
      ([k]) => !/^(200 (allow|block)\/\w+|201|503 store_unavailable)$/.test(k),
    );
    expect(unexpected).toEqual([]);
    expect(recoveredMs).toBeLessThan(10_000);

    const store = new pg.Client({ connectionString: server.url });
    await store.connect();
    try {
      expect(await missingDecisions(store, ledger.decisions)).toEqual([]);
      expect(await missingPositions(store, ledger.positions)).toEqual([]);
      const all = await store.query<{ position: string }>(
        `SELECT position FROM events WHERE stream LIKE 'fault-%' ORDER BY position`,
      );
      const expected = all.rows.map((r) => Number(r.position));
      // The subscriber catches up across the restart: each stored event once, none skipped.
      await until(() => (seen.length >= expected.length ? true : undefined), 15_000);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((x, y) => x - y)).toEqual(expected);
    } finally {
      await store.end();
    }
    console.log(
      `postgres restart: recovered ${Math.round(recoveredMs)} ms after start; outage answers ` +
        `${JSON.stringify(Object.fromEntries(outageOutcomes.filter(([, n]) => n > 0)))}; ` +
        `${ledger.decisions.length} decisions + ${ledger.positions.length} events acknowledged, all stored; ` +
        `subscriber saw ${seen.length} events once each`,
    );
  }, 60_000);
});
