// The FUSE layer on a real mount: the sidecar runs as a child process over a
// fixed project (fixture-api.ts); the mount is read by other child processes.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FixtureVersion } from './fixture-api.js';
import {
  forceUnmount,
  isMounted,
  REPO,
  requireFuse,
  sh,
  spawnMount,
  tempDir,
  waitFor,
  type MountProcess,
} from './mount-process.js';
import { cleanUp } from '../processes/child.js';

requireFuse();

const SIDECAR = path.join(REPO, 'test/dist/fuse/fixture-sidecar.js');
const big = [0, 1, 2, 3].map(() => randomBytes(6 * 1024 * 1024 + 123));
const versions: FixtureVersion[] = [
  {
    path: 'README.md',
    at: '2026-01-01T00:00:00.000Z',
    contentBase64: Buffer.from('v1\n').toString('base64'),
  },
  {
    path: 'src/main.ts',
    at: '2026-01-02T00:00:00.000Z',
    contentBase64: Buffer.from('main\n').toString('base64'),
  },
  {
    path: 'README.md',
    at: '2026-01-03T00:00:00.000Z',
    contentBase64: Buffer.from('v2 longer\n').toString('base64'),
  },
  ...big.map((b, i) => ({
    path: `data/big-${i}.bin`,
    at: '2026-01-04T00:00:00.000Z',
    contentBase64: b.toString('base64'),
  })),
];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const work = tempDir('lh-fuse-');
const dir = path.join(work, 'mnt');
const readyFile = path.join(work, 'ready');
const fixture = path.join(work, 'fixture.json');
let sidecar: MountProcess | undefined;

const start = () => spawnMount([SIDECAR, dir, fixture, readyFile], dir, readyFile);

beforeAll(async () => {
  if (!existsSync(SIDECAR)) throw new Error(`${SIDECAR} is missing: build first (make test builds)`);
  writeFileSync(fixture, JSON.stringify(versions));
  sidecar = await start();
}, 120_000);

afterAll(
  () =>
    cleanUp(
      () => sidecar?.stop(),
      () => forceUnmount(dir),
      () => rmSync(work, { recursive: true, force: true }),
    ),
  60_000,
);

describe('FUSE mount (fixture project)', () => {
  test('find lists the tree with modes 0444/0555 and sizes', async () => {
    const r = await sh(`cd '${dir}/current' && find . -printf '%y %m %s %p\\n' | sort -k4`);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('f 444 10 ./README.md');
    expect(lines).toContain('f 444 5 ./src/main.ts');
    expect(lines).toContain('d 555 4096 ./src');
    expect(lines.filter((l) => l.startsWith('f '))).toHaveLength(6);
    const hist = await sh(`cat '${dir}/history/2026-01-02T00:00:00.000Z/README.md'`);
    expect(hist.stdout).toBe('v1\n');
  });

  test('writes, creates, renames, chmod, unlink, mkdir, truncate and touch fail with EROFS and change nothing', async () => {
    const before = await sh(`cd '${dir}/current' && find . -type f | sort | xargs sha256sum`);
    const f = `'${dir}/current/README.md'`;
    const attempts = [
      `echo x >> ${f}`,
      `echo x > '${dir}/current/new.txt'`,
      `mv ${f} '${dir}/current/moved.md'`,
      `chmod 0777 ${f}`,
      `rm ${f}`,
      `mkdir '${dir}/current/newdir'`,
      `rmdir '${dir}/current/src'`,
      `truncate -s 0 ${f}`,
      `touch ${f}`,
      `ln -s README.md '${dir}/current/link'`,
      `chown 1:1 ${f}`,
    ];
    for (const cmd of attempts) {
      const r = await sh(cmd);
      expect([cmd, r.code !== 0, r.stderr]).toEqual([
        cmd,
        true,
        expect.stringContaining('Read-only file system'),
      ]);
    }
    const after = await sh(`cd '${dir}/current' && find . -type f | sort | xargs sha256sum`);
    expect(after.stdout).toBe(before.stdout);
    expect(before.stdout).toContain(`${sha(Buffer.from('v2 longer\n'))}  ./README.md`);
  });

  test('unknown paths are ENOENT; partial reads honour offsets', async () => {
    expect((await sh(`stat '${dir}/current/nope'`)).stderr).toContain('No such file or directory');
    expect((await sh(`stat '${dir}/elsewhere'`)).stderr).toContain('No such file or directory');
    const r = await sh(
      `dd if='${dir}/current/data/big-1.bin' bs=1000 skip=3000 count=2 status=none | sha256sum`,
    );
    expect(r.stdout.split(' ')[0]).toBe(sha(big[1]!.subarray(3_000_000, 3_002_000)));
  });

  test('10 parallel readers of large files get the right bytes', async () => {
    const readers = Array.from({ length: 10 }, (_, i) =>
      sh(`sha256sum '${dir}/current/data/big-${i % 4}.bin'`, 60_000),
    );
    const results = await Promise.all(readers);
    results.forEach((r, i) => {
      expect(r.code).toBe(0);
      expect(r.stdout.split(' ')[0]).toBe(sha(big[i % 4]!));
    });
  });

  test('SIGTERM unmounts and exits 0; SIGKILL leaves a stale mount that a restart clears', async () => {
    expect(isMounted(dir)).toBe(true);
    expect(await sidecar!.stop('SIGTERM')).toBe(0);
    expect(isMounted(dir)).toBe(false);
    expect(existsSync(readyFile)).toBe(false);

    sidecar = await start();
    expect(await sidecar.stop('SIGKILL')).toBeNull();
    expect(isMounted(dir)).toBe(true);
    expect((await sh(`stat '${dir}'`)).stderr).toContain('Transport endpoint is not connected');
    rmSync(readyFile, { force: true });

    sidecar = await start();
    expect(sidecar.output()).toContain('cleared a stale mount');
    expect((await sh(`cat '${dir}/current/README.md'`)).stdout).toBe('v2 longer\n');
    expect(await sidecar.stop('SIGINT')).toBe(0);
    await waitFor('the mount to go', async () => (isMounted(dir) ? undefined : true));
  });

  test('a reader holding a file open does not block shutdown: the lazy unmount detaches it', async () => {
    rmSync(readyFile, { force: true });
    sidecar = await start();
    const holder = spawn('bash', ['-c', `exec 3<'${dir}/current/README.md'; echo open; sleep 30`]);
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      expect(await sidecar.stop('SIGTERM')).toBe(0);
      expect(sidecar.output()).toContain('"how":"lazy"');
      expect(isMounted(dir)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
