import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '@lighthouse/bridge/testing/postgres.js';
import { LiveHeap } from './live-heap.js';

describe('live heap of another process, through its inspector', () => {
  let child: ChildProcess;
  let heap: LiveHeap;

  beforeAll(async () => {
    const port = await freePort();
    child = spawn(process.execPath, [`--inspect=127.0.0.1:${port}`, '-e', 'setInterval(() => {}, 1000)'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // The inspector announces itself on stderr once it listens.
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('Debugger listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`node exited (${code}): ${err}`)));
    });
    heap = await LiveHeap.connect(port);
  }, 120_000);

  afterAll(() => {
    heap?.close();
    child?.kill();
  });

  const run = (expression: string) => heap.call('Runtime.evaluate', { expression });

  it('rises by what stays reachable, and not by garbage', async () => {
    const before = await heap.mib();
    await run('globalThis.kept = Array.from({ length: 32 }, () => new Array(128 * 1024).fill(1.5)); 0');
    const kept = await heap.mib();
    expect(kept - before).toBeGreaterThan(24); // 32 × 1 MiB of doubles, reachable

    await run('for (let i = 0; i < 32; i++) new Array(128 * 1024).fill(2.5); 0');
    expect(Math.abs((await heap.mib()) - kept)).toBeLessThan(4); // garbage: collected

    await run('globalThis.kept = undefined; 0');
    expect((await heap.mib()) - before).toBeLessThan(4);
  });
});
