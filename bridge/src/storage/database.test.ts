import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../testing/postgres.js';
import { openDatabase, type Database, type Migration } from './database.js';
import { StoreUnavailableError } from './errors.js';
import { DRIVERS, pgliteTemplate, testTarget, type TestTarget } from './test-databases.js';

beforeAll(() => pgliteTemplate(), 180_000);

const migrations: Migration[] = [
  {
    id: '0001_items',
    sql: 'CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); CREATE INDEX ON items (name);',
  },
  { id: '0002_items_note', sql: 'ALTER TABLE items ADD COLUMN note text' },
];

describe.each(DRIVERS)('Database on %s', (driver) => {
  let target: TestTarget;
  const open: Database[] = [];
  const openDb = async (m = migrations) => {
    const db = await openDatabase({ ...target.location, migrations: m });
    open.push(db);
    return db;
  };

  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
    await target.dispose();
  });

  it('applies migrations once, in order, and records them', async () => {
    target = await testTarget(driver);
    const db = await openDb();
    expect(db.driver).toBe(driver);
    await db.query('INSERT INTO items (id, name, note) VALUES (1, $1, $2)', ['a', 'n']);
    await db.close();
    open.pop();
    const again = await openDb([
      ...migrations,
      { id: '0003_more', sql: 'ALTER TABLE items ADD COLUMN extra int' },
    ]);
    const { rows } = await again.query<{ id: string }>(
      'SELECT id FROM schema_migrations ORDER BY applied_at, id',
    );
    expect(rows.map((r) => r.id)).toEqual(['0001_items', '0002_items_note', '0003_more']);
    expect((await again.query('SELECT * FROM items')).rows).toEqual([
      { id: 1, name: 'a', note: 'n', extra: null },
    ]);
  });

  it('refuses duplicate or malformed migration ids before touching the schema', async () => {
    target = await testTarget(driver);
    await expect(
      openDatabase({ ...target.location, migrations: [migrations[0]!, migrations[0]!] }),
    ).rejects.toThrow(/duplicate migration id/);
    await expect(
      openDatabase({ ...target.location, migrations: [{ id: 'bad id', sql: '' }] }),
    ).rejects.toThrow(/invalid migration id/);
  });

  it('leaves no trace of a failed migration', async () => {
    target = await testTarget(driver);
    const bad = [
      ...migrations,
      { id: '0003_broken', sql: 'CREATE TABLE t3 (x int); SELECT no_such_function()' },
    ];
    await expect(openDatabase({ ...target.location, migrations: bad })).rejects.toThrow(/no_such_function/);
    const db = await openDb([]);
    const { rows } = await db.query(
      "SELECT to_regclass('items') AS items, to_regclass('t3') AS t3, (SELECT count(*)::int FROM schema_migrations) AS n",
    );
    expect(rows[0]).toEqual({ items: null, t3: null, n: 0 });
  });

  it('rolls back a transaction whose function throws, and commits otherwise', async () => {
    target = await testTarget(driver);
    const db = await openDb();
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, name) VALUES (1, $1)', ['gone']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const n = await db.transaction(async (tx) => {
      const r = await tx.query('INSERT INTO items (id, name) VALUES (2, $1), (3, $1)', ['kept']);
      return r.rowCount;
    });
    expect(n).toBe(2);
    expect((await db.query('SELECT id FROM items ORDER BY id')).rows).toEqual([{ id: 2 }, { id: 3 }]);
  });

  it('delivers NOTIFY to listeners until they unlisten, only after COMMIT', async () => {
    target = await testTarget(driver);
    const db = await openDb();
    const got: string[] = [];
    const unlisten = await db.listen('chan_test', (p) => got.push(p));
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('chan_test', 'in-tx')");
      expect(got).toEqual([]);
    });
    await db.notify('chan_test', 'hello');
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['in-tx', 'hello']);
    await unlisten();
    await db.notify('chan_test', 'late');
    await db.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['in-tx', 'hello']);
  });
});

describe('pg driver', () => {
  it('applies migrations exactly once when two replicas open at the same moment', async () => {
    const target = await testTarget('pg');
    try {
      const counting: Migration[] = [
        { id: '0001_counter', sql: 'CREATE TABLE counter (n int); INSERT INTO counter VALUES (1)' },
        { id: '0002_bump', sql: 'UPDATE counter SET n = n + 1' },
      ];
      const dbs = await Promise.all(
        [1, 2, 3].map(() => openDatabase({ ...target.location, migrations: counting })),
      );
      expect((await dbs[0]!.query('SELECT n FROM counter')).rows).toEqual([{ n: 2 }]);
      for (const db of dbs) await db.close();
    } finally {
      await target.dispose();
    }
  });

  it('reports an unreachable server as StoreUnavailableError', async () => {
    const port = await freePort();
    const err = await openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/x`, migrations: [] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).retryable).toBe(true);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('pglite driver', () => {
  it('refuses a second opener of a data directory in use, and takes over a stale lock', async () => {
    const target = await testTarget('pglite');
    try {
      const db = await openDatabase({ ...target.location, migrations });
      await expect(openDatabase({ ...target.location, migrations })).rejects.toThrow(
        /already open in this process/,
      );
      await db.close();
      // a lock left by a process that no longer exists (pid far above pid_max)
      const { dataDir } = target.location as { dataDir: string };
      writeFileSync(path.join(dataDir, 'lighthouse.lock'), '4194305');
      const again = await openDatabase({ ...target.location, migrations });
      expect((await again.query('SELECT count(*)::int AS n FROM schema_migrations')).rows).toEqual([
        { n: 2 },
      ]);
      // a lock held by a live process (this test's parent), with or without its start time
      await again.close();
      const started = readFileSync(`/proc/${process.ppid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
      writeFileSync(path.join(dataDir, 'lighthouse.lock'), `${process.ppid} ${started}`);
      await expect(openDatabase({ ...target.location, migrations })).rejects.toThrow(/in use by process/);
      writeFileSync(path.join(dataDir, 'lighthouse.lock'), String(process.ppid));
      await expect(openDatabase({ ...target.location, migrations })).rejects.toThrow(/in use by process/);
      // the same pid with another start time: a reused pid, so the lock is stale
      writeFileSync(path.join(dataDir, 'lighthouse.lock'), `${process.ppid} 1`);
      await (await openDatabase({ ...target.location, migrations })).close();
    } finally {
      await target.dispose();
    }
  }, 60_000);
});
