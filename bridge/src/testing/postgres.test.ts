import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './postgres.js';

describe('PostgreSQL test fixture', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('gives each test file its own database on a real server', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await client.query<{ db: string; v: string }>(
        'SELECT current_database() AS db, version() AS v',
      );
      expect(r.rows[0]?.db).toBe(db.name);
      expect(r.rows[0]?.v).toMatch(/^PostgreSQL \d+/);
    } finally {
      await client.end();
    }
  });
});
