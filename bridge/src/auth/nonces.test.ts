// The nonce store on a real PostgreSQL database.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { openDatabase, type Database } from '../storage/index.js';
import { createTestDatabase, startPostgres, type TestDatabase } from '../testing/postgres.js';
import { NonceStore, nonceMigrations, REMEMBER_NONCES } from './nonces.js';

let tdb: TestDatabase;
let db: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ url: tdb.url, migrations: nonceMigrations });
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

describe('NonceStore', () => {
  it('accepts a nonce once per agent, across store instances (replicas)', async () => {
    const one = new NonceStore(db);
    const two = new NonceStore(db);
    expect(await one.remember('alice', 'n-0000000000000001')).toBe(true);
    expect(await one.remember('alice', 'n-0000000000000001')).toBe(false);
    expect(await two.remember('alice', 'n-0000000000000001')).toBe(false);
    expect(await two.remember('bob', 'n-0000000000000001')).toBe(true);
  });

  it('batches concurrent checks and lets only the first of duplicates through', async () => {
    const store = new NonceStore(db);
    const nonces = Array.from({ length: 200 }, (_, i) => `batch-${String(i % 150).padStart(12, '0')}`);
    const results = await Promise.all(nonces.map((n) => store.remember('carol', n)));
    expect(results.filter(Boolean)).toHaveLength(150);
    expect(results.slice(0, 150).every(Boolean)).toBe(true);
    expect(results.slice(150).some(Boolean)).toBe(false);
  });

  it('purges only nonces older than the replay window', async () => {
    const store = new NonceStore(db);
    await db.query(`UPDATE auth_nonces SET seen_at = now() - interval '1 hour' WHERE agent_id = 'alice'`);
    expect(await store.purge()).toBe(1);
    expect(await store.remember('alice', 'n-0000000000000001')).toBe(true);
    expect(await store.remember('bob', 'n-0000000000000001')).toBe(false);
  });

  it('relaxes synchronous_commit for its own transaction only', async () => {
    const client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
    try {
      const setting = async () =>
        (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!
          .synchronous_commit;
      await client.query('BEGIN');
      await client.query(REMEMBER_NONCES, [['erin'], ['n-relaxed-00000001']]);
      expect(await setting()).toBe('off');
      await client.query('COMMIT');
      expect(await setting()).toBe('on');
      // Alone, the statement is its own transaction: nothing stays relaxed after it.
      await client.query(REMEMBER_NONCES, [['erin'], ['n-relaxed-00000002']]);
      expect(await setting()).toBe('on');
    } finally {
      await client.end();
    }
  });
});

describe('NonceStore across a PostgreSQL crash', () => {
  it('keeps a nonce once a durable commit followed it', async () => {
    const server = await startPostgres();
    try {
      let crashed = await openDatabase({ url: server.url, migrations: nonceMigrations });
      await crashed.query('CREATE TABLE decisions_probe (x int)');
      expect(await new NonceStore(crashed).remember('dave', 'n-crash-000000001')).toBe(true);
      await crashed.query('INSERT INTO decisions_probe VALUES (1)'); // synchronous_commit on
      await crashed.close();
      server.restart('immediate'); // no shutdown checkpoint: recovery from WAL
      crashed = await openDatabase({ url: server.url, migrations: nonceMigrations });
      try {
        expect(await new NonceStore(crashed).remember('dave', 'n-crash-000000001')).toBe(false);
      } finally {
        await crashed.close();
      }
    } finally {
      server.stop();
    }
  }, 120_000);
});
