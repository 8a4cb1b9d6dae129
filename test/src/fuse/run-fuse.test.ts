// `lighthouse run --fuse <dir>`: a local bridge on the embedded store (PGlite)
// with the sidecar mounted beside it; SIGTERM to `run` leaves no mount.
import { afterAll, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** The processes `parent` started, with their command lines. */
function childrenOf(parent: number): { pid: number; cmdline: string }[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        // The parent pid is the 2nd field after the parenthesised command name.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== parent) return [];
        const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return [{ pid: Number(name), cmdline }];
      } catch {
        return []; // gone meanwhile
      }
    });
}

test('lighthouse run --fuse mounts the local project and unmounts when run stops', async () => {
  const port = await freePort();
  const master = randomBytes(32).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Secrets of the bridge's environment, none of which the sidecar may inherit.
    LIGHTHOUSE_MASTER_KEY: master,
    LIGHTHOUSE_CREDENTIAL: 'lh1.claude.not-for-the-sidecar',
    PGPASSWORD: 'not-for-the-sidecar',
  };
  delete env.LIGHTHOUSE_DATABASE_URL;
  delete env.LIGHTHOUSE_MASTER_KEY_FILE;
  // A credential file left world-readable (an earlier version, or a user): rewritten 0600.
  const credentialFile = path.join(work, '.lighthouse/fuse.credential');
  mkdirSync(path.dirname(credentialFile), { recursive: true });
  writeFileSync(credentialFile, 'stale\n', { mode: 0o644 });
  // As root the test can also leave it owned by someone else.
  if (process.getuid?.() === 0) chownSync(credentialFile, 65534, 65534);
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
    const file = statSync(credentialFile);
    expect({ mode: file.mode & 0o777, uid: file.uid }).toEqual({ mode: 0o600, uid: process.getuid?.() });
    expect(readFileSync(credentialFile, 'utf8')).toMatch(/^lh1\.fuse-sidecar\./);
    const sidecars = childrenOf(run.pid!).filter((c) => c.cmdline.includes(' fuse --mount '));
    expect(sidecars).toHaveLength(1);
    const environ = readFileSync(`/proc/${sidecars[0]!.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`PATH=${process.env.PATH}`);
    expect(environ.filter((v) => /^(LIGHTHOUSE_|PG)/.test(v) || v.includes(master))).toEqual([]);
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
