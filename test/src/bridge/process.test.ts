// The bridge as users run it: a child process started through the CLI entry.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '@lighthouse/bridge/testing/postgres.js';

const cli = fileURLToPath(new URL('../../../bridge/bin/lighthouse.js', import.meta.url));

async function waitFor(url: string, deadlineMs = 15_000): Promise<Response> {
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

describe('bridge process', () => {
  it('serves /healthz and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [cli, 'serve'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const res = await waitFor(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses to start with an invalid variable, naming it in one line', async () => {
    const child = spawn(process.execPath, [cli, 'serve'], {
      env: { ...process.env, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'lighthouse: invalid configuration: PORT: expected an integer, got "eighty"',
    ]);
  });
});
