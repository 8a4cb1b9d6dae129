// In a pod the sidecar's startup probe (the mount exists) must pass before the
// bridge container starts, so `lighthouse fuse` mounts before the bridge can
// be reached: reads answer EAGAIN until the project is loaded, then the view
// fills in and the ready file appears. A stop while waiting unmounts cleanly.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startBridge, tearDown, type BridgeProcess } from './bridge-process.js';
import { forceUnmount, isMounted, NODE, REPO, requireFuse, sh, tempDir, waitFor } from './mount-process.js';
import { spawnCollected, stopChild } from '../processes/child.js';

requireFuse();

const CLI = path.join(REPO, 'bridge/bin/lighthouse.js');
let db: TestDatabase;
let bridge: BridgeProcess;
const work = tempDir('lh-fuse-first-');

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startBridge(db.url);
  await bridge.client.post('/v1/files', { path: 'README.md', content: 'hello\n' });
  await bridge.halt(); // the bridge is down when the sidecar starts
}, 120_000);
afterAll(() => tearDown(bridge, db, work), 60_000);

function sidecar(dir: string, readyFile: string) {
  return spawnCollected(
    NODE,
    [
      CLI,
      'fuse',
      '--mount',
      dir,
      '--bridge',
      bridge.url,
      '--credential',
      bridge.credentialFile,
      '--ready-file',
      readyFile,
    ],
    { cwd: REPO },
  );
}

describe('lighthouse fuse before the bridge is reachable', () => {
  test('mounts at once, answers EAGAIN, then serves the project once the bridge is up', async () => {
    const dir = path.join(work, 'mnt');
    const ready = path.join(work, 'ready');
    const s = sidecar(dir, ready);
    try {
      await waitFor('the mount', async () => (isMounted(dir) ? true : undefined));
      expect(existsSync(ready)).toBe(false);
      const early = await sh(`cat '${dir}/current/README.md'`);
      expect(early.code).not.toBe(0);
      expect(early.stderr).toMatch(/Resource temporarily unavailable/);

      await bridge.start();
      await waitFor('the ready file', async () => (existsSync(ready) ? true : undefined), 30_000);
      expect((await sh(`cat '${dir}/current/README.md'`)).stdout).toBe('hello\n');
      expect(await stopChild(s.child, s.exited, { what: 'the sidecar', output: s.output })).toBe(0);
      expect(isMounted(dir)).toBe(false);
    } finally {
      s.child.kill('SIGKILL');
      await forceUnmount(dir);
    }
  }, 120_000);

  test('SIGTERM while still waiting for the bridge unmounts and exits 0', async () => {
    await bridge.halt();
    const dir = path.join(work, 'mnt2');
    const s = sidecar(dir, path.join(work, 'ready2'));
    try {
      await waitFor('the mount', async () => (isMounted(dir) ? true : undefined));
      expect(await stopChild(s.child, s.exited, { what: 'the sidecar', output: s.output })).toBe(0);
      expect(isMounted(dir)).toBe(false);
    } finally {
      s.child.kill('SIGKILL');
      await forceUnmount(dir);
    }
  }, 60_000);
});
