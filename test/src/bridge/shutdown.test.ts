// The bridge's shutdown is bounded: SIGTERM ends the process even when a
// closer never settles or a forgotten handle would keep it alive.
import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { REPO } from '../fuse/mount-process.js';
import { spawnCollected, stopChild } from '../processes/child.js';

const FIXTURE = path.join(REPO, 'test/dist/bridge/shutdown-fixture.js');

async function terminate(mode: string): Promise<{ code: number | null; out: string }> {
  const { child, output, exited } = spawnCollected(process.execPath, [FIXTURE, mode]);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => output().includes('ready\n') && resolve());
    void exited.then(() => reject(new Error(`fixture exited before it was ready:\n${output()}`)));
  });
  const code = await stopChild(child, exited, { what: `the ${mode} fixture`, output });
  return { code, out: output() };
}

describe('shutdown on SIGTERM', () => {
  test('exits 0 once the server and closers are done', async () => {
    const { code, out } = await terminate('clean');
    expect(code).toBe(0);
    expect(out).toContain('"stopped"');
    expect(out).not.toContain('kept the process alive');
  });

  test('a handle left open after shutdown does not keep the process alive', async () => {
    const { code, out } = await terminate('leak');
    expect(code).toBe(0);
    expect(out).toContain('a handle kept the process alive after shutdown; exiting');
  });

  test('a closer that never settles ends in exit 1 after the deadline', async () => {
    const { code, out } = await terminate('hang');
    expect(code).toBe(1);
    expect(out).toContain('shutdown did not finish in time; exiting');
    expect(out).not.toContain('"stopped"');
  }, 30_000);
});
