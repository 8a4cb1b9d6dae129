import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, reapOrphanedServers, startPostgres, type TestDatabase } from './postgres.js';

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

describe('private servers never outlive their owner', () => {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const fixture = path.join(repo, 'bridge/dist/testing/postgres.js');

  /** Starts a server in a child node process, runs `then` there, and returns the server's data dir and port. */
  async function serverInChild(
    then: string,
  ): Promise<{ child: ChildProcess; dataDir: string; port: number }> {
    const script = `const m = await import(${JSON.stringify(fixture)}); const s = await m.startPostgres();
      process.stdout.write(JSON.stringify({ dataDir: s.dataDir, port: s.port }) + '\\n'); ${then}`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`child exited (${code}) before starting PostgreSQL`)));
    });
    return { child, ...(JSON.parse(line) as { dataDir: string; port: number }) };
  }

  const accepts = async (port: number) => {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  it('stops the server when its owner exits without calling stop()', async () => {
    const { child, dataDir, port } = await serverInChild('process.exit(0);');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
    expect(existsSync(dataDir)).toBe(false);
    expect(await accepts(port)).toBe(false);
  });

  it('reaps a server whose owner was SIGKILLed', async () => {
    const { child, dataDir, port } = await serverInChild('setInterval(() => {}, 1000);');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await accepts(port)).toBe(true); // orphaned: still running

    expect(reapOrphanedServers()).toContain(dataDir);
    expect(existsSync(dataDir)).toBe(false);
    expect(await accepts(port)).toBe(false);
  });

  it('leaves servers of live owners alone', async () => {
    const own = await startPostgres();
    try {
      expect(reapOrphanedServers()).not.toContain(own.dataDir);
      expect(await accepts(own.port)).toBe(true);
    } finally {
      own.stop();
    }
  });
});
