// `lighthouse run --fuse <dir>`: a local bridge on the embedded store (PGlite)
// with the sidecar mounted beside it; SIGTERM to `run` leaves no mount.
import { afterAll, expect, test } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { issueCredential } from '@lighthouse/bridge/auth/credentials.js';
import { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { freePort } from '@lighthouse/bridge/testing/postgres.js';
import { spawnCollected, stopChild } from '../processes/child.js';
import { forceUnmount, isMounted, NODE, REPO, requireFuse, sh, tempDir, waitFor } from './mount-process.js';

requireFuse();

const work = tempDir('lh-run-fuse-');
const mnt = path.join(work, 'mnt');

afterAll(async () => {
  await forceUnmount(mnt);
  rmSync(work, { recursive: true, force: true });
});

test('lighthouse run --fuse mounts the local project and unmounts when run stops', async () => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  delete env.LIGHTHOUSE_DATABASE_URL;
  delete env.LIGHTHOUSE_MASTER_KEY;
  delete env.LIGHTHOUSE_MASTER_KEY_FILE;
  // `run` writes a CLI config under $HOME: keep it inside this test's directory.
  env.HOME = work;
  env.XDG_CONFIG_HOME = path.join(work, '.config');
  const {
    child: run,
    output,
    exited,
  } = spawnCollected(NODE, [path.join(REPO, 'bridge/bin/lighthouse.js'), 'run', '--fuse', mnt], {
    cwd: work,
    env,
  });
  try {
    // The embedded store's first start is slow on a busy machine.
    await waitFor(
      'the mount beside the local bridge',
      async () => (isMounted(mnt) ? true : undefined),
      150_000,
    );
    // `run` keeps its generated master key beside its data; a writer's credential derives from it.
    const master = readFileSync(path.join(work, '.lighthouse/master.key'), 'utf8').trim();
    const credential = issueCredential(Buffer.from(master, 'utf8'), 'writer');
    const client = new BridgeClient({ url: `http://127.0.0.1:${port}`, credential });
    expect((await client.post('/v1/files', { path: 'notes/todo.md', content: '- ship it\n' })).status).toBe(
      201,
    );
    await waitFor('the file in the mount', async () => {
      const r = await sh(`cat '${mnt}/current/notes/todo.md'`);
      return r.stdout === '- ship it\n' ? true : undefined;
    });
  } catch (err) {
    run.kill('SIGTERM');
    throw new Error(`${(err as Error).message}\n--- lighthouse run output ---\n${output()}`);
  }
  expect(await stopChild(run, exited, { what: 'lighthouse run', output, timeoutMs: 30_000 })).toBe(0);
  await waitFor('the mount to go', async () => (isMounted(mnt) ? undefined : true), 20_000);
}, 200_000);
