// LISTEN survives a PostgreSQL restart: the subscriber's timer poll is a minute
// long, so within the test only a NOTIFY from another replica can wake it, and
// after the restart that needs the LISTEN connection to be back (pg-database.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { openEventStore, StoreUnavailableError, type EventStore } from '@lighthouse/bridge/events/index.js';
import { startPostgres, type PostgresServer } from '@lighthouse/bridge/testing/postgres.js';

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LISTEN across a PostgreSQL restart', () => {
  let server: PostgresServer;
  let reader: EventStore;
  let writer: EventStore;

  beforeAll(async () => {
    server = await startPostgres();
    reader = await openEventStore({
      url: server.url,
      subscription: { pollIntervalMs: 60_000, retryDelayMs: 100 },
    });
    writer = await openEventStore({ url: server.url });
  }, 60_000);

  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    server?.stop();
  });

  // The writer's pooled connections died with the server: retried as a caller would.
  async function append(data: number): Promise<void> {
    const end = Date.now() + 10_000;
    for (;;) {
      try {
        await writer.append('notified', [{ type: 'N', data }]);
        return;
      } catch (err) {
        if (!(err instanceof StoreUnavailableError) || Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  it("wakes a subscriber for another replica's append after the restart", async () => {
    const got: unknown[] = [];
    const sub = reader.subscribe({ from: 'start' }, (e) => {
      got.push(e.data);
    });
    try {
      await append(1);
      await waitFor(() => got.length === 1, 10_000); // by the first poll or by the NOTIFY
      await new Promise((r) => setTimeout(r, 300)); // the subscriber sleeps on its minute timer now
      await append(2);
      await waitFor(() => got.length === 2, 10_000); // only the NOTIFY can have woken it

      server.restart();
      // A readiness gate, not the assertion: wait (bounded) for a session whose last
      // statement was the LISTEN, then for the subscriber's poll on reconnecting (which
      // would catch an event appended before it) to be over.
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      try {
        await waitFor(
          async () =>
            (
              await admin.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN "lighthouse_events"'`,
              )
            ).rows[0]!.n > 0,
          10_000,
        ).catch(() => undefined);
      } finally {
        await admin.end();
      }
      await new Promise((r) => setTimeout(r, 1000));
      expect(got).toEqual([1, 2]);

      await append(3);
      await waitFor(() => got.length === 3, 10_000);
      expect(got).toEqual([1, 2, 3]);
    } finally {
      await sub.close();
    }
  }, 60_000);

  it("a new subscriber is listening before its first poll: another replica's append right after subscribe wakes it", async () => {
    // Each round opens a store, so its LISTEN connection is new and races the first poll.
    for (let round = 0; round < 10; round++) {
      const fresh = await openEventStore({
        url: server.url,
        subscription: { pollIntervalMs: 60_000, retryDelayMs: 100 },
      });
      const got: unknown[] = [];
      // Where the log ends now (no rows of no type: only the checkpoint).
      const { checkpoint } = await fresh.readAll({ limit: 1, types: [] });
      const sub = fresh.subscribe({ from: checkpoint }, (e) => {
        got.push(e.data);
      });
      try {
        await append(round);
        await waitFor(() => got.length === 1, 5_000);
        expect(got).toEqual([round]);
      } finally {
        await sub.close();
        await fresh.close();
      }
    }
  }, 120_000);
});
