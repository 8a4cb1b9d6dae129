// The bridge as users run it: a child process started through the CLI entry.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, freePort, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';

const cli = fileURLToPath(new URL('../../../bridge/bin/lighthouse.js', import.meta.url));
const MASTER = 'process-test-master-key-0123456789abcdef';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function waitFor(url: string, deadlineMs = 30_000): Promise<Response> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function refusal(env: Record<string, string | undefined>): Promise<{ code: number; stderr: string }> {
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // 'close', not 'exit': only then has all of stderr been read.
  const [code] = (await once(child, 'close')) as [number];
  return { code, stderr };
}

describe('bridge process', () => {
  it('serves /healthz and /readyz and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [cli, 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LIGHTHOUSE_MASTER_KEY: MASTER,
        LIGHTHOUSE_DATABASE_URL: db.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const res = await waitFor(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 60_000);

  it('refuses to start with an invalid variable, naming it in one line', async () => {
    const { code, stderr } = await refusal({ PORT: 'eighty' });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'lighthouse: invalid configuration: PORT: expected an integer, got "eighty"',
    ]);
  });

  it('refuses to start without a master key, in one line', async () => {
    const { code, stderr } = await refusal({
      LIGHTHOUSE_MASTER_KEY: '',
      LIGHTHOUSE_MASTER_KEY_FILE: '',
      LIGHTHOUSE_DATABASE_URL: db.url,
    });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'lighthouse: invalid configuration: LIGHTHOUSE_MASTER_KEY: required (or LIGHTHOUSE_MASTER_KEY_FILE); generate one with `openssl rand -hex 32`',
    ]);
  });

  it('refuses a master key shorter than 32 bytes', async () => {
    const { code, stderr } = await refusal({
      LIGHTHOUSE_MASTER_KEY: 'too-short',
      LIGHTHOUSE_DATABASE_URL: db.url,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('LIGHTHOUSE_MASTER_KEY: must be at least 32 bytes, got 9');
  });
});
