// PostgreSQL goes down under load: appends fail with the retryable
// StoreUnavailableError while it is down and succeed after; a subscriber
// resumes without losing or repeating an event.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openEventStore, StoreUnavailableError, type EventStore } from '@lighthouse/bridge/events/index.js';
import type { StoredEvent } from '@lighthouse/bridge/events/index.js';
import { startPostgres, type PostgresServer } from '@lighthouse/bridge/testing/postgres.js';

describe('PostgreSQL restart under load', () => {
  let server: PostgresServer;
  let store: EventStore;

  beforeAll(async () => {
    server = await startPostgres();
    store = await openEventStore({
      url: server.url,
      poolSize: 8,
      subscription: { pollIntervalMs: 100, retryDelayMs: 100 },
    });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    server?.stop();
  });

  it('fails appends with StoreUnavailableError during the outage, then recovers without loss', async () => {
    const got: StoredEvent[] = [];
    const subErrors: unknown[] = [];
    const sub = store.subscribe({ from: 'start', onError: (e) => subErrors.push(e) }, (e) => {
      got.push(e);
    });
    const acked = new Set<string>();
    const failures: unknown[] = [];
    let phase: 'before' | 'down' | 'after' = 'before';
    const okIn = { before: 0, down: 0, after: 0 };
    let okDuringOutage = 0;
    let running = true;
    const writer = async (n: number) => {
      for (let i = 0; running; i++) {
        const startedIn = phase;
        try {
          const r = await store.append(`load-${n}`, [{ type: 'Load', data: { n, i } }]);
          // kill() and start() block the event loop, so an append that began and ended
          // while phase was 'down' ran entirely during the outage
          if (startedIn === 'down' && phase === 'down') okDuringOutage++;
          okIn[phase]++;
          acked.add(r.positions[0]!.toString());
        } catch (err) {
          failures.push(err);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const writers = Array.from({ length: 10 }, (_, n) => writer(n));
    const waitUntil = async (cond: () => boolean) => {
      const end = Date.now() + 30_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await waitUntil(() => okIn.before >= 200);
    server.kill('immediate'); // a crash: no checkpoint, WAL replay at start
    phase = 'down';
    const failuresAtKill = failures.length;
    await new Promise((r) => setTimeout(r, 1500));
    const failuresDuringOutage = failures.length - failuresAtKill;
    server.start();
    phase = 'after';
    await waitUntil(() => okIn.after >= 200);
    running = false;
    await Promise.all(writers);

    expect(failuresDuringOutage).toBeGreaterThan(0);
    expect(okDuringOutage).toBe(0);
    for (const err of failures) expect(err).toBeInstanceOf(StoreUnavailableError);

    // every acknowledged append survived the crash
    const { rows } = await store.db.query<{ position: string }>(
      'SELECT position::text AS position FROM events',
    );
    const stored = new Set(rows.map((r) => r.position));
    expect([...acked].filter((p) => !stored.has(p))).toEqual([]);

    // the subscriber catches up: every stored event once, in (txid, position) order
    await waitUntil(() => got.length >= stored.size);
    await new Promise((r) => setTimeout(r, 300));
    await sub.close();
    expect(got).toHaveLength(stored.size);
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    for (let i = 1; i < got.length; i++) {
      const [a, b] = [got[i - 1]!, got[i]!];
      expect(a.txid < b.txid || (a.txid === b.txid && a.position < b.position)).toBe(true);
    }
    console.log(
      `restart: ${okIn.before} appends before, ${failures.length} failed (StoreUnavailableError), ${okIn.after} after; subscriber saw ${got.length}/${stored.size}, ${subErrors.length} retried reads`,
    );
  }, 120_000);
});
