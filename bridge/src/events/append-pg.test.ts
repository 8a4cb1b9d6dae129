// The append on PostgreSQL servers only: what PGlite cannot show (per-database
// settings, other sessions, other replicas on the same database).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { openEventStore } from './store.js';
import type { AppendResult, EventStore } from './types.js';

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('event store on pg: appends', () => {
  let tdb: TestDatabase;
  const clients: pg.Client[] = [];
  const stores: EventStore[] = [];

  const client = async () => {
    const c = new pg.Client({ connectionString: tdb.url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const open = async () => {
    const s = await openEventStore({ url: tdb.url });
    stores.push(s);
    return s;
  };
  const count = async (c: pg.Client, stream: string) =>
    (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE stream = $1', [stream]))
      .rows[0]!.n;

  // each test its own database
  beforeEach(async () => {
    tdb = await createTestDatabase();
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const c of clients.splice(0)) await c.end();
    await tdb?.drop();
  });

  it('commit with synchronous_commit on where the database default is off', async () => {
    const admin = await client();
    await admin.query(`ALTER DATABASE ${tdb.name} SET synchronous_commit = off`);
    // opened after: the store's sessions start with the database default
    const store = await open();
    // A test-only trigger notes the setting each INSERT INTO events runs with (the
    // setting at commit, as the append's statement is its own transaction).
    await admin.query(`
        CREATE TABLE commit_settings (n serial PRIMARY KEY, setting text NOT NULL);
        CREATE FUNCTION note_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            INSERT INTO commit_settings (setting) VALUES (current_setting('synchronous_commit'));
            RETURN NULL;
          END $$;
        CREATE TRIGGER note_commit_setting AFTER INSERT ON events
          FOR EACH STATEMENT EXECUTE FUNCTION note_commit_setting();
      `);
    const show = await store.db.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    expect(show.rows[0]!.synchronous_commit).toBe('off');
    // a plain insert on one of the store's sessions: the trigger sees the default
    await store.db.query(
      `INSERT INTO events (id, stream, version, type, data) VALUES ($1, 'plain', 1, 'A', '1')`,
      [randomUUID()],
    );
    await store.append('single', [{ type: 'A', data: 1 }]);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.append(`many-${i}`, [{ type: 'A', data: i }])),
    );
    const { rows } = await admin.query<{ setting: string }>('SELECT setting FROM commit_settings ORDER BY n');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.map((r) => r.setting)).toEqual(['off', ...rows.slice(1).map(() => 'on')]);
  });

  it('two replicas appending the same events at once write them once and answer both callers alike', async () => {
    const [a, b] = [await open(), await open()];
    const c = await client();
    for (let round = 0; round < 10; round++) {
      // 40 one-event appends: each store splits them over two transactions; the second
      // store queues the even ones first, so each of its batches meets both of the first's
      const requests = Array.from({ length: 40 }, (_, i) => ({
        stream: `race-${round}-${i}`,
        events: [{ id: randomUUID(), type: 'R', data: { round, i } }],
      }));
      const send = (s: EventStore, order: number[]) => {
        const out: Promise<AppendResult>[] = [];
        for (const i of order) out[i] = s.append(requests[i]!.stream, requests[i]!.events);
        return Promise.all(out);
      };
      const order = requests.map((_, i) => i);
      const interleaved = [...order.filter((i) => i % 2 === 0), ...order.filter((i) => i % 2 === 1)];
      const [fromA, fromB] = await Promise.all([send(a, order), send(b, interleaved)]);
      expect(fromB).toEqual(fromA);
      for (const [i, r] of fromA.entries())
        expect(r).toMatchObject({ stream: requests[i]!.stream, version: 1 });
      const { rows } = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE stream LIKE $1',
        [`race-${round}-%`],
      );
      expect(rows[0]!.n).toBe(40);
    }
  }, 60_000);

  it('fails alone the batch-mate whose id another replica was writing at that moment', async () => {
    const store = await open();
    const [other, watcher] = [await client(), await client()];
    const retried = [{ id: randomUUID(), type: 'X', data: 1 }];
    const original = await store.append('retried', retried);
    // Another replica's append, uncommitted, holds id z on stream 'elsewhere'.
    const z = randomUUID();
    await other.query('BEGIN');
    await other.query(
      `SELECT * FROM lighthouse_append_flat(ARRAY['elsewhere'], ARRAY['any'], ARRAY[1], ARRAY[$1]::uuid[],
                                            ARRAY[1], ARRAY[1], ARRAY['Z'], '1', '{}')`,
      [z],
    );
    // One batch: its first run fails at the retry's stored id; run again with that id looked
    // up, it waits at z until the other transaction ends, and then fails too.
    const settled = Promise.allSettled([
      store.append('retried', retried),
      store.append('taken', [{ id: z, type: 'Z', data: 2 }]),
      store.append('new', [{ type: 'N', data: 3 }]),
    ]);
    await waitFor(
      async () =>
        (
          await watcher.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%lighthouse_append_flat%'`,
          )
        ).rows[0]!.n === 1,
    );
    await other.query('COMMIT');
    const [r1, r2, r3] = await settled;
    expect(r1).toEqual({ status: 'fulfilled', value: original });
    expect(r2).toMatchObject({ status: 'rejected', reason: { code: 'invalid_data' } });
    expect(r3).toMatchObject({ status: 'fulfilled', value: { stream: 'new', version: 1 } });
    expect([
      await count(watcher, 'retried'),
      await count(watcher, 'taken'),
      await count(watcher, 'new'),
    ]).toEqual([1, 0, 1]);
  });
});
