import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { DRIVERS, pgliteTemplate, testTarget, type TestTarget } from '../storage/test-databases.js';
import { ConcurrencyError, InvalidEventError } from './errors.js';
import { openEventStore } from './store.js';
import type { Checkpoint, EventStore, StoredEvent } from './types.js';

beforeAll(() => pgliteTemplate(), 180_000);

let seq = 0;
const uniq = (p: string) => `${p}-${process.pid}-${++seq}`;

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const byOrder = (a: StoredEvent, b: StoredEvent) =>
  a.txid === b.txid ? Number(a.position - b.position) : a.txid < b.txid ? -1 : 1;

describe.each(DRIVERS)('event store on %s', (driver) => {
  let target: TestTarget;
  let store: EventStore;

  beforeAll(async () => {
    target = await testTarget(driver);
    store = await openEventStore({
      ...target.location,
      maxEventBytes: 4096,
      subscription: { pollIntervalMs: 50, retryDelayMs: 50, batchSize: 100 },
    });
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await target?.dispose();
  });

  const countEvents = async (stream: string) =>
    (await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE stream = $1', [stream]))
      .rows[0]!.n;
  const streamVersion = async (stream: string) =>
    (await store.db.query<{ v: number }>('SELECT version AS v FROM streams WHERE stream = $1', [stream]))
      .rows[0]?.v;

  it('appends and reads a stream back with versions, positions and JSON intact', async () => {
    const s = uniq('agent:alice');
    const r1 = await store.append(s, [
      { type: 'Decided', data: { tool: 'Bash', input: { command: 'ls' } }, metadata: { agentId: 'alice' } },
      { type: 'Note', data: 'plain string' },
    ]);
    const r2 = await store.append(s, [{ type: 'Note', data: [1, null, true, 2.5, { ü: '😀' }] }]);
    expect(r1).toMatchObject({ stream: s, version: 2 });
    expect(r2.version).toBe(3);
    expect(r1.positions[0]! < r1.positions[1]! && r1.positions[1]! < r2.positions[0]!).toBe(true);
    const events = await store.readStream(s);
    expect(events.map((e) => [e.version, e.type, e.data])).toEqual([
      [1, 'Decided', { tool: 'Bash', input: { command: 'ls' } }],
      [2, 'Note', 'plain string'],
      [3, 'Note', [1, null, true, 2.5, { ü: '😀' }]],
    ]);
    expect(events[0]!.metadata).toEqual({ agentId: 'alice' });
    expect(events[1]!.metadata).toEqual({});
    expect(events[0]!.createdAt).toBeInstanceOf(Date);
    expect(events.map((e) => e.position)).toEqual([...r1.positions, ...r2.positions]);
    expect(typeof events[0]!.txid).toBe('bigint');
    expect((await store.readStream(s, { fromVersion: 2, limit: 1 })).map((e) => e.version)).toEqual([2]);
    expect(await store.readStream(uniq('empty'))).toEqual([]);
  });

  it('checks expected versions; a conflict is a ConcurrencyError and writes nothing', async () => {
    const s = uniq('decisions');
    await store.append(s, [{ type: 'A', data: 1 }], { expectedVersion: 'no_stream' });
    await store.append(s, [{ type: 'A', data: 2 }], { expectedVersion: 'stream_exists' });
    await store.append(s, [{ type: 'A', data: 3 }], { expectedVersion: 2 });
    for (const expectedVersion of ['no_stream', 2, 5, 0] as const) {
      const err = await store
        .append(
          s,
          [
            { type: 'A', data: 'x' },
            { type: 'A', data: 'y' },
          ],
          { expectedVersion },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConcurrencyError);
      expect(err).toMatchObject({ stream: s, expected: expectedVersion, actual: 3, status: 409 });
    }
    const fresh = uniq('fresh');
    await expect(
      store.append(fresh, [{ type: 'A', data: 1 }], { expectedVersion: 'stream_exists' }),
    ).rejects.toMatchObject({
      actual: 0,
    });
    expect(await countEvents(s)).toBe(3);
    expect(await countEvents(fresh)).toBe(0);
  });

  it('appends requiring another stream at a version: refused (ConcurrencyError naming it) and nothing written once it moved', async () => {
    const guard = uniq('guard');
    const s = uniq('guarded');
    // No such stream yet: version 0.
    await store.append(s, [{ type: 'A', data: 1 }], { requires: { stream: guard, version: 0 } });
    await store.append(guard, [{ type: 'G', data: 1 }]);
    const refused = await store
      .append(s, [{ type: 'A', data: 2 }], { expectedVersion: 1, requires: { stream: guard, version: 0 } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConcurrencyError);
    expect(refused).toMatchObject({ stream: guard, expected: 0, actual: 1, status: 409 });
    // Its own expected version still counts, and names its own stream.
    await expect(
      store.append(s, [{ type: 'A', data: 2 }], {
        expectedVersion: 0,
        requires: { stream: guard, version: 1 },
      }),
    ).rejects.toMatchObject({ stream: s, actual: 1 });
    const ok = await store.append(s, [{ type: 'A', data: 3 }], {
      expectedVersion: 1,
      requires: { stream: guard, version: 1 },
    });
    expect(ok).toMatchObject({ stream: s, version: 2 });
    expect((await store.readStream(s)).map((e) => e.data)).toEqual([1, 3]);
    expect(await streamVersion(guard)).toBe(1);
    for (const requires of [
      { stream: s, version: 2 },
      { stream: guard, version: -1 },
      { stream: 'bad stream name', version: 0 },
    ]) {
      await expect(store.append(s, [{ type: 'A', data: 4 }], { requires })).rejects.toBeInstanceOf(
        InvalidEventError,
      );
    }
    expect(await countEvents(s)).toBe(2);
  });

  it('lets exactly one of many racing writers win each version', async () => {
    const s = uniq('race');
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, w) =>
          store.append(s, [{ type: 'Claim', data: { round, w } }], { expectedVersion: round }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
    }
    expect((await store.readStream(s)).map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps data with control characters, quotes and backslashes intact in a shared batch', async () => {
    const s = uniq('separators');
    const texts = ['a\u001eb', '\u001f\u001e', 'quote " and \\ backslash', '{"x":1}'];
    await Promise.all(
      texts.map((t, i) => store.append(`${s}-${i}`, [{ type: 'T', data: { t }, metadata: { note: t } }])),
    );
    for (const [i, t] of texts.entries()) {
      const [e] = await store.readStream(`${s}-${i}`);
      expect([e!.data, e!.metadata]).toEqual([{ t }, { note: t }]);
    }
  });

  it('group-commits concurrent appends into few transactions, spread over the free connections; a conflicting caller fails alone', async () => {
    const prefix = uniq('gc');
    const conflicting = `${prefix}-c`;
    await store.append(conflicting, [{ type: 'A', data: 0 }]);
    const calls = Array.from({ length: 50 }, (_, i) =>
      i === 25
        ? store.append(conflicting, [{ type: 'A', data: i }], { expectedVersion: 'no_stream' })
        : store.append(`${prefix}-${i}`, [{ type: 'A', data: i }], { expectedVersion: 'no_stream' }),
    );
    const results = await Promise.allSettled(calls);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect((results[25] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    const { rows } = await store.db.query<{ txids: number; n: number }>(
      `SELECT count(DISTINCT txid)::int AS txids, count(*)::int AS n FROM events WHERE stream LIKE $1 AND stream <> $2`,
      [`${prefix}-%`, conflicting],
    );
    expect(rows[0]!.n).toBe(49);
    // Queued at once on an idle store: one batch per connection it may use (PGlite has one).
    expect(rows[0]!.txids).toBe(driver === 'pglite' ? 1 : 2);
  });

  it('keeps a short queue in one transaction', async () => {
    const prefix = uniq('short');
    await store.append(`${prefix}-warm`, [{ type: 'A', data: 0 }]);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.append(`${prefix}-${i}`, [{ type: 'A', data: i }])),
    );
    const { rows } = await store.db.query<{ txids: number }>(
      `SELECT count(DISTINCT txid)::int AS txids FROM events WHERE stream LIKE $1 AND stream <> $2`,
      [`${prefix}-%`, `${prefix}-warm`],
    );
    expect(rows[0]!.txids).toBe(1);
  });

  it('dedupes a retried append by event ids and refuses ids reused elsewhere', async () => {
    const s = uniq('retry');
    const events = [
      { id: randomUUID(), type: 'A', data: 1 },
      { id: randomUUID(), type: 'A', data: 2 },
    ];
    const first = await store.append(s, events, { expectedVersion: 'no_stream' });
    const again = await store.append(s, events, { expectedVersion: 'no_stream' });
    expect(again).toEqual(first);
    // a retry racing the original inside one batch
    const s2 = uniq('retry2');
    const ev2 = [{ id: randomUUID(), type: 'B', data: 1 }];
    const [a, b] = await Promise.all([store.append(s2, ev2), store.append(s2, ev2)]);
    expect(a).toEqual(b);
    expect(await countEvents(s)).toBe(2);
    expect(await countEvents(s2)).toBe(1);
    // a retry sharing its batch with new appends: refused by its expected version, it writes
    // nothing while the others commit in the same statement, and is looked up afterwards
    const fresh = Array.from({ length: 5 }, (_, i) => uniq(`fresh${i}`));
    const mixed = await Promise.all([
      store.append(s, events, { expectedVersion: 'no_stream' }),
      ...fresh.map((f) => store.append(f, [{ id: randomUUID(), type: 'C', data: 1 }])),
    ]);
    expect(mixed[0]).toEqual(first);
    for (const f of fresh) expect(await countEvents(f)).toBe(1);
    // the usual HTTP retry, with the default expected version ('any'), after the original
    // committed: the statement fails at the unique index on ids (writing nothing), and the
    // batch is run again with the stored ids looked up: each new append goes in once
    const s3 = uniq('retry-any');
    const ev3 = [
      { id: randomUUID(), type: 'A', data: 1 },
      { id: randomUUID(), type: 'A', data: 2 },
    ];
    const original = await store.append(s3, ev3);
    expect(await store.append(s3, ev3)).toEqual(original);
    const fresh3 = Array.from({ length: 5 }, (_, i) => uniq(`fresh-any${i}`));
    const mixed3 = await Promise.all([
      store.append(s3, ev3),
      ...fresh3.map((f) => store.append(f, [{ id: randomUUID(), type: 'C', data: 1 }])),
    ]);
    expect(mixed3[0]).toEqual(original);
    for (const f of fresh3) expect(await countEvents(f)).toBe(1);
    expect(await countEvents(s3)).toBe(2);
    expect(await streamVersion(s3)).toBe(2);
    // partly new ids, or the same id on another stream: refused, nothing written
    const partial = [events[0]!, { id: randomUUID(), type: 'A', data: 3 }];
    await expect(store.append(s, partial)).rejects.toMatchObject({ code: 'invalid_data' });
    await expect(store.append(uniq('other'), [events[0]!])).rejects.toMatchObject({ code: 'invalid_data' });
    expect(await countEvents(s)).toBe(2);
  });

  it('refuses every kind of bad input with a typed error and writes nothing', async () => {
    const s = uniq('bad');
    const cases: [string, () => Promise<unknown>, string][] = [
      ['stream name', () => store.append('bad name', [{ type: 'A', data: 1 }]), 'invalid_stream_name'],
      ['long stream', () => store.append('a'.repeat(201), [{ type: 'A', data: 1 }]), 'invalid_stream_name'],
      ['oversized', () => store.append(s, [{ type: 'A', data: 'x'.repeat(5000) }]), 'event_too_large'],
      [
        'oversized 2nd',
        () =>
          store.append(s, [
            { type: 'A', data: 1 },
            { type: 'A', data: 'x'.repeat(5000) },
          ]),
        'event_too_large',
      ],
      ['NaN', () => store.append(s, [{ type: 'A', data: { n: NaN } }]), 'invalid_data'],
      ['NUL', () => store.append(s, [{ type: 'A', data: 'a\u0000' }]), 'invalid_data'],
      ['undefined data', () => store.append(s, [{ type: 'A', data: undefined }]), 'invalid_data'],
      ['no events', () => store.append(s, []), 'invalid_data'],
      ['bad id', () => store.append(s, [{ id: 'x', type: 'A', data: 1 }]), 'invalid_data'],
      ['bad type', () => store.append(s, [{ type: '', data: 1 }]), 'invalid_data'],
      [
        'expected version',
        () => store.append(s, [{ type: 'A', data: 1 }], { expectedVersion: 'latest' as never }),
        'invalid_expected_version',
      ],
      [
        'negative version',
        () => store.append(s, [{ type: 'A', data: 1 }], { expectedVersion: -1 }),
        'invalid_expected_version',
      ],
      ['read bad stream', () => store.readStream('no spaces allowed'), 'invalid_stream_name'],
    ];
    for (const [name, call, code] of cases) {
      const err = await call().catch((e: unknown) => e);
      expect([name, err instanceof InvalidEventError ? err.code : err]).toEqual([name, code]);
    }
    expect(await countEvents(s)).toBe(0);
    const { rows } = await store.db.query('SELECT 1 FROM streams WHERE stream = $1', [s]);
    expect(rows).toEqual([]);
  });

  it('reads all events by type, stream prefix and time range, paging by checkpoint', async () => {
    const p = uniq('file:src_x');
    await store.append(`${p}/a.ts`, [
      { type: 'FileChanged', data: 1 },
      { type: 'Annotated', data: 2 },
    ]);
    // '_' in the prefix is literal: this stream must not match
    await store.append(p.replace('src_x', 'srcYx') + '/b.ts', [{ type: 'FileChanged', data: 3 }]);
    const middle = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await store.append(`${p}/c.ts`, [{ type: 'FileChanged', data: 4 }]);
    const all = await store.readAll({ streamPrefix: p });
    expect(all.events.map((e) => e.data)).toEqual([1, 2, 4]);
    const changed = await store.readAll({ streamPrefix: p, types: ['FileChanged'] });
    expect(changed.events.map((e) => e.data)).toEqual([1, 4]);
    expect((await store.readAll({ streamPrefix: p, to: middle })).events.map((e) => e.data)).toEqual([1, 2]);
    expect((await store.readAll({ streamPrefix: p, from: middle })).events.map((e) => e.data)).toEqual([4]);
    // paging one by one visits each event once, in order
    const seen: unknown[] = [];
    let after: Checkpoint | undefined;
    for (;;) {
      const page = await store.readAll({ streamPrefix: p, limit: 1, ...(after ? { after } : {}) });
      if (page.events.length === 0) break;
      seen.push(...page.events.map((e) => e.data));
      after = page.checkpoint;
    }
    expect(seen).toEqual([1, 2, 4]);
    await expect(store.readAll({ limit: 0 })).rejects.toThrow(RangeError);
  });

  it('subscribes: catches up, follows live, resumes from a durable checkpoint, honours end', async () => {
    const p = uniq('sub');
    await store.append(`${p}-1`, [
      { type: 'A', data: 1 },
      { type: 'B', data: 2 },
    ]);
    const got: unknown[] = [];
    const name = uniq('projection');
    const sub = store.subscribe({ name, streamPrefix: p }, (e) => {
      got.push(e.data);
    });
    await waitFor(() => got.length === 2);
    await store.append(`${p}-2`, [{ type: 'A', data: 3 }]);
    await waitFor(() => got.length === 3);
    await sub.close();
    await store.append(`${p}-2`, [{ type: 'A', data: 4 }]);
    const resumed: unknown[] = [];
    const sub2 = store.subscribe({ name, from: 'start', streamPrefix: p }, (e) => {
      resumed.push(e.data);
    });
    const tail: unknown[] = [];
    const onlyB: unknown[] = [];
    const sub3 = store.subscribe({ from: 'end', streamPrefix: p }, (e) => {
      tail.push(e.data);
    });
    const sub4 = store.subscribe({ types: ['B'], streamPrefix: p }, (e) => {
      onlyB.push(e.data);
    });
    await waitFor(() => resumed.length === 1 && onlyB.length === 1);
    await waitFor(() => sub3.checkpoint.txid > 0n); // sub3 has read where the end is
    await store.append(`${p}-3`, [{ type: 'B', data: 5 }]);
    await waitFor(() => resumed.length === 2 && tail.length === 1 && onlyB.length === 2);
    expect(got).toEqual([1, 2, 3]);
    expect(resumed).toEqual([4, 5]);
    expect(tail).toEqual([5]);
    expect(onlyB).toEqual([2, 5]);
    for (const s of [sub2, sub3, sub4]) await s.close();
  });

  it('retries an event whose handler failed, without skipping it', async () => {
    const p = uniq('flaky');
    await store.append(p, [
      { type: 'A', data: 1 },
      { type: 'A', data: 2 },
    ]);
    const got: unknown[] = [];
    const errors: unknown[] = [];
    let failures = 2;
    const sub = store.subscribe({ streamPrefix: p, onError: (e) => errors.push(e) }, (e) => {
      if (e.data === 2 && failures-- > 0) throw new Error('handler failed');
      got.push(e.data);
    });
    await waitFor(() => got.length === 2);
    await sub.close();
    expect(got).toEqual([1, 2]);
    expect(errors).toHaveLength(2);
  });

  it('keeps snapshots and returns the latest', async () => {
    const s = uniq('proj');
    expect(await store.loadSnapshot(s)).toBeUndefined();
    await store.saveSnapshot(s, 10, { files: ['a'] });
    await store.saveSnapshot(s, 20, { files: ['a', 'b'] });
    expect(await store.loadSnapshot(s)).toEqual({ stream: s, version: 20, state: { files: ['a', 'b'] } });
    await expect(store.saveSnapshot(s, 30, { bad: NaN })).rejects.toMatchObject({ code: 'invalid_data' });
    await expect(store.saveSnapshot(s, 0, {})).rejects.toBeInstanceOf(InvalidEventError);
    expect((await store.loadSnapshot(s))!.version).toBe(20);
  });

  it('delivers every event exactly once in global order while writers commit out of order', async () => {
    // A subscriber that followed `position` alone would skip rows whose sequence value
    // was taken before, but committed after, a row it already passed.
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ delayMs: fc.integer({ min: 0, max: 60 }), count: fc.integer({ min: 1, max: 3 }) }),
          {
            minLength: 2,
            maxLength: driver === 'pg' ? 8 : 5,
          },
        ),
        async (writers) => {
          const p = uniq('order');
          const got: StoredEvent[] = [];
          const sub = store.subscribe({ from: 'start', streamPrefix: p }, (e) => {
            got.push(e);
          });
          const expected = writers.reduce((n, w) => n + w.count, 0);
          await Promise.all(
            writers.map((w, i) => writeSlowly(store, driver, target, `${p}-${i}`, w.count, w.delayMs)),
          );
          await waitFor(() => got.length >= expected);
          await new Promise((r) => setTimeout(r, 100)); // a duplicate would show up now
          await sub.close();
          const stored = (await store.readAll({ streamPrefix: p })).events;
          expect(stored).toHaveLength(expected);
          expect(got.map((e) => e.id)).toEqual([...stored].sort(byOrder).map((e) => e.id));
          expect(new Set(got.map((e) => e.id)).size).toBe(expected);
        },
      ),
      { numRuns: driver === 'pg' ? 8 : 4 },
    );
  }, 120_000);

  it('refuses a second event at the same stream version at the SQL level', async () => {
    const s = uniq('unique');
    const insert = (id: string) =>
      store.db.query(`INSERT INTO events (id, stream, version, type, data) VALUES ($1, $2, 1, 'A', '1')`, [
        id,
        s,
      ]);
    await insert(randomUUID());
    await expect(insert(randomUUID())).rejects.toMatchObject({
      code: '23505',
      constraint: 'events_stream_version_key',
    });
    expect(await countEvents(s)).toBe(1);
  });

  it('resumes a named subscriber from its stored checkpoint after the store is closed and opened again', async () => {
    // its own database: the first store closes it (the pg pool, or the PGlite instance)
    const own = await testTarget(driver);
    const open = () =>
      openEventStore({ ...own.location, subscription: { pollIntervalMs: 50, retryDelayMs: 50 } });
    const name = uniq('restarted');
    try {
      const first = await open();
      await first.append('a', [
        { type: 'A', data: 1 },
        { type: 'A', data: 2 },
      ]);
      const before: unknown[] = [];
      first.subscribe({ name }, (e) => {
        before.push(e.data);
      });
      await waitFor(() => before.length === 2);
      await first.close(); // closes the subscription, then the database
      expect(before).toEqual([1, 2]);

      const second = await open();
      try {
        await second.append('a', [{ type: 'A', data: 3 }]);
        await second.append('b', [{ type: 'A', data: 4 }]);
        const after: unknown[] = [];
        const sub = second.subscribe({ name, from: 'start' }, (e) => {
          after.push(e.data);
        });
        await waitFor(() => after.length >= 2);
        await second.append('a', [{ type: 'A', data: 5 }]);
        await waitFor(() => after.length >= 3);
        await new Promise((r) => setTimeout(r, 200)); // a duplicate would show up now
        await sub.close();
        expect(after).toEqual([3, 4, 5]);
      } finally {
        await second.close();
      }
    } finally {
      await own.dispose();
    }
  }, 60_000);

  it('flushes queued appends on close', async () => {
    // its own database: two PGlite instances must never share a data directory
    const own = await testTarget(driver);
    try {
      const other = await openEventStore({ ...own.location });
      const pending = Array.from({ length: 20 }, (_, i) => other.append('flush', [{ type: 'A', data: i }]));
      await other.close();
      const results = await Promise.all(pending);
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      const reopened = await openEventStore({ ...own.location });
      expect(await reopened.readStream('flush')).toHaveLength(20);
      await reopened.close();
    } finally {
      await own.dispose();
    }
  }, 60_000);
});

// Only PostgreSQL runs transactions side by side: an append to the required stream waits.
describe('event store on pg: an append requiring another stream', () => {
  let target: TestTarget;
  let store: EventStore;

  beforeAll(async () => {
    target = await testTarget('pg');
    store = await openEventStore(target.location);
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await target?.dispose();
  });

  it('holds the required stream until it commits: an append to that stream meanwhile comes after it', async () => {
    if (!('url' in target.location)) throw new Error('pg target without a url');
    // Named so the required stream's row is locked first, the appended one's second.
    const guard = uniq('a-guard');
    const s = uniq('b-guarded');
    await store.append(guard, [{ type: 'G', data: 1 }]);
    await store.append(s, [{ type: 'A', data: 0 }]);
    // Another transaction holds the appended stream's row: the conditional append
    // waits for it, holding the required stream's row by then.
    const other = new pg.Client({ connectionString: target.location.url });
    await other.connect();
    const waiting = async () =>
      (
        await store.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        )
      ).rows[0]!.n;
    try {
      await other.query('BEGIN');
      await other.query('SELECT version FROM streams WHERE stream = $1 FOR UPDATE', [s]);
      const guarded = store.append(s, [{ type: 'A', data: 1 }], { requires: { stream: guard, version: 1 } });
      await waitFor(async () => (await waiting()) === 1);
      const moved = store.append(guard, [{ type: 'G', data: 2 }]);
      // It waits for the conditional append rather than committing under it.
      await waitFor(async () => (await waiting()) === 2);
      await other.query('COMMIT');
      expect(await guarded).toMatchObject({ stream: s, version: 2 });
      expect(await moved).toMatchObject({ stream: guard, version: 2 });
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });
});

/**
 * pg: a raw transaction on its own connection that inserts, sleeps, then commits, so
 * commit order differs from position order. PGlite has one connection and no
 * concurrent transactions; there the store's own appends are interleaved with delays.
 */
// Only PostgreSQL runs transactions side by side, so only it can hold an older one open.
describe('event store on pg: commit notices', () => {
  let target: TestTarget;
  let store: EventStore;
  let polls = 0;

  beforeAll(async () => {
    target = await testTarget('pg');
    // No timer polls within a test: only commit notices wake the subscriber.
    store = await openEventStore({ ...target.location, subscription: { pollIntervalMs: 600_000 } });
    const query = store.db.query.bind(store.db);
    store.db.query = ((sql: string, params?: unknown[]) => {
      if (sql.includes('pg_snapshot_xmin')) polls++;
      return query(sql, params);
    }) as typeof store.db.query;
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await target?.dispose();
  });

  it('wake a filtered subscriber only for its types, yet never leave its event behind an older transaction', async () => {
    if (!('url' in target.location)) throw new Error('pg target without a url');
    const got: StoredEvent[] = [];
    const sub = store.subscribe({ from: 'end', types: ['Wanted'] }, (e) => {
      got.push(e);
    });
    await waitFor(() => sub.checkpoint.txid > 0n); // it has read where the end is
    await store.append(uniq('warmup'), [{ type: 'Wanted', data: 0 }]);
    await waitFor(() => got.length === 1);
    const before = polls;
    for (let i = 0; i < 20; i++) await store.append(uniq('other'), [{ type: 'Other', data: i }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(polls - before).toBe(0);

    // An older transaction, still open, holds the horizon below the wanted commit.
    const older = new pg.Client({ connectionString: target.location.url });
    await older.connect();
    try {
      await older.query('BEGIN');
      await older.query(
        `SELECT * FROM lighthouse_append_flat(ARRAY[$1], ARRAY['any'], ARRAY[1], ARRAY[$2]::uuid[], ARRAY[1],
                                              ARRAY[1], ARRAY['Other'], '1', '{}')`,
        [uniq('older'), randomUUID()],
      );
      await store.append(uniq('wanted'), [{ type: 'Wanted', data: 1 }]);
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toHaveLength(1); // not readable yet
      await older.query('COMMIT'); // its notice names only 'Other', but the subscriber still awaits 'Wanted'
      await waitFor(() => got.length === 2, 5_000);
      expect(got[1]!.data).toBe(1);
    } finally {
      await older.end();
      await sub.close();
    }
  }, 60_000);
});

async function writeSlowly(
  store: EventStore,
  driver: string,
  target: TestTarget,
  stream: string,
  count: number,
  delayMs: number,
): Promise<void> {
  if (driver !== 'pg' || !('url' in target.location)) {
    for (let i = 0; i < count; i++) {
      await new Promise((r) => setTimeout(r, delayMs / count));
      await store.append(stream, [{ type: 'Slow', data: i }]);
    }
    return;
  }
  const client = new pg.Client({ connectionString: target.location.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (let i = 0; i < count; i++) {
      await client.query(
        `INSERT INTO events (id, stream, version, type, data) VALUES ($1, $2, $3, 'Slow', $4::text::jsonb)`,
        [randomUUID(), stream, i + 1, JSON.stringify(i)],
      );
    }
    await client.query('SELECT pg_sleep($1)', [delayMs / 1000]);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}
