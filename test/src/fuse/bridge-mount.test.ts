// `lighthouse fuse` against a real bridge process (on PostgreSQL): the mount
// shows the bridge's projection now and at past times, follows changes made
// through the API, and survives a lost connection. Read only from child processes.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, freePort, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startBridge, tearDown, type BridgeProcess } from './bridge-process.js';
import { isMounted, requireFuse, sh, tempDir, waitFor, type MountProcess } from './mount-process.js';

requireFuse();

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
interface Written {
  path: string;
  version: number;
  at: string;
}

let db: TestDatabase;
let bridge: BridgeProcess;
let sidecar: MountProcess | undefined;
let probePort: number;
const work = tempDir('lh-fuse-bridge-');
const dir = path.join(work, 'mnt');
const realFusermount = execFileSync('bash', ['-c', 'command -v fusermount'], { encoding: 'utf8' }).trim();
// Two inline files and two stored as blobs (over 512 KiB).
const big = [500, 500, 2048, 3072].map((kib) => randomBytes(kib * 1024));
/** Times after each step of the sequence, and what the tree held then. */
const points: { at: string; files: Record<string, string> }[] = [];

async function write(body: Record<string, unknown>): Promise<Written> {
  const res = await bridge.client.post<Written>('/v1/files', body);
  if (res.status !== 201)
    throw new Error(`POST /v1/files answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** sha256 of every file under a directory of the mount, as `<sha>  ./<path>` lines (read by a child process). */
async function hashes(sub: string): Promise<string> {
  const r = await sh(`cd '${dir}/${sub}' && find . -type f | LC_ALL=C sort | xargs -r sha256sum`);
  if (r.code !== 0) throw new Error(`hashing ${sub} failed: ${r.stderr}`);
  return r.stdout;
}

function expected(files: Record<string, string | Buffer>): string {
  return Object.keys(files)
    .sort()
    .map((p) => `${sha(files[p]!)}  ./${p}\n`)
    .join('');
}

beforeAll(async () => {
  db = await createTestDatabase();
  bridge = await startBridge(db.url);
  // A sequence of changes; the tree is noted after each of three steps.
  await write({ path: 'README.md', content: 'one\n' });
  const s1 = await write({ path: 'src/app.ts', content: 'export const v = 1;\n' });
  points.push({ at: s1.at, files: { 'README.md': 'one\n', 'src/app.ts': 'export const v = 1;\n' } });
  await write({ path: 'README.md', content: 'two\n' });
  const s2 = await write({ path: 'docs/guide.md', content: '# guide\n' });
  points.push({
    at: s2.at,
    files: { 'README.md': 'two\n', 'src/app.ts': 'export const v = 1;\n', 'docs/guide.md': '# guide\n' },
  });
  await write({ path: 'src/app.ts', deleted: true });
  const s3 = await write({
    path: 'README.md',
    diff: '--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-two\n+three\n',
  });
  points.push({ at: s3.at, files: { 'README.md': 'three\n', 'docs/guide.md': '# guide\n' } });
  for (const [i, b] of big.entries())
    await write({ path: `data/big-${i}.bin`, contentBase64: b.toString('base64') });
  probePort = await freePort();
  sidecar = await bridge.mount(dir, ['--probe-port', String(probePort)]);
}, 180_000);

afterAll(() => tearDown(bridge, db, work), 60_000);

describe('lighthouse fuse on a real bridge', () => {
  test('/current matches the bridge tree: paths, sizes, mtimes and bytes', async () => {
    const tree = await bridge.client.get<{
      files: { path: string; size: number; sha256: string; mtime: string }[];
    }>('/v1/tree');
    const listed = await sh(`cd '${dir}/current' && find . -type f -printf '%P %s %T@\\n' | LC_ALL=C sort`);
    const got = listed.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([p, size, t]) => `${p} ${size} ${Math.round(Number(t) * 1000)}`);
    expect(got).toEqual(tree.body.files.map((f) => `${f.path} ${f.size} ${Date.parse(f.mtime)}`));
    const wantHashes = tree.body.files.map((f) => `${f.sha256}  ./${f.path}\n`).join('');
    expect(await hashes('current')).toBe(wantHashes);
  });

  test('/history shows the tree at three points in time, matching the bridge', async () => {
    const listing = await sh(`ls '${dir}/history'`);
    for (const p of points) {
      expect(listing.stdout.split('\n')).toContain(p.at);
      expect(await hashes(`history/${p.at}`)).toBe(expected(p.files));
      const tree = await bridge.client.get<{ files: { path: string; sha256: string }[] }>(
        `/v1/tree?at=${encodeURIComponent(p.at)}`,
      );
      expect(tree.body.files.map((f) => `${f.sha256}  ./${f.path}\n`).join('')).toBe(expected(p.files));
    }
  });

  test('10 parallel readers of the largest files get the right bytes', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sh(`sha256sum '${dir}/current/data/big-${i % 4}.bin'`)),
    );
    results.forEach((r, i) => expect(r.stdout.split(' ')[0]).toBe(sha(big[i % 4]!)));
  });

  test('changes through the API show in the mount: write, delete, annotation, context, stream', async () => {
    await write({ path: 'live/new.txt', content: 'fresh\n' });
    await waitFor('the new file in the mount', async () => {
      const r = await sh(`cat '${dir}/current/live/new.txt'`);
      return r.stdout === 'fresh\n' ? true : undefined;
    });
    await write({ path: 'live/new.txt', deleted: true });
    await waitFor('the deleted file to go', async () => {
      const r = await sh(`ls '${dir}/current'`);
      return r.code === 0 && !r.stdout.split('\n').includes('live') ? true : undefined;
    });

    const ann = await bridge.client.post('/v1/annotations', {
      path: 'README.md',
      text: 'check this',
      line: 1,
    });
    expect(ann.status).toBe(201);
    const shadow = await waitFor('the annotation in the shadow file', async () => {
      const r = await sh(`cat '${dir}/shadows/README.md.json'`);
      return r.stdout.includes('check this') ? (JSON.parse(r.stdout) as { history: unknown[] }) : undefined;
    });
    expect(shadow.history.length).toBeGreaterThanOrEqual(3);

    const ctx = await bridge.client.post<{ id: string }>('/v1/contexts', {
      name: 'review',
      files: ['README.md', 'docs/guide.md'],
      note: 'for the expert',
    });
    expect(ctx.status).toBe(201);
    const id = ctx.body.id;
    await waitFor('the context package', async () => {
      const r = await sh(`cat '${dir}/context/${id}/context.json'`);
      return r.code === 0 ? true : undefined;
    });
    expect((await sh(`cat '${dir}/context/${id}/files/docs/guide.md'`)).stdout).toBe('# guide\n');
    const manifest = JSON.parse((await sh(`cat '${dir}/context/${id}/manifest.json'`)).stdout) as {
      files: { path: string }[];
    };
    expect(manifest.files.map((f) => f.path).sort()).toEqual(['README.md', 'docs/guide.md']);

    const stream = await sh(`cat '${dir}/streams/file:README.md'`);
    expect(stream.stdout.trim().split('\n')).toHaveLength(3);
  });

  test("another agent's tool calls are not in /streams: the mount's credential may not read them", async () => {
    const decided = await bridge.client.post<{ decision: string }>('/v1/validate', {
      tool: 'Read',
      input: { file_path: '/w/private' },
    });
    expect(decided.status).toBe(200);
    const read = await sh(`cat '${dir}/streams/decisions'`);
    expect([read.code, read.stderr]).toEqual([1, expect.stringContaining('No such file or directory')]);
  });

  test('tail -f on a stream file sees new events', async () => {
    const tail = spawn('tail', ['-F', '-n', '+1', '-s', '0.2', `${dir}/streams/file:docs%2Fguide.md`]);
    let out = '';
    tail.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('the first line', async () => (out.includes('FileChanged') ? true : undefined));
      await write({ path: 'docs/guide.md', content: '# guide v2\n' });
      await waitFor('the appended line', async () =>
        out.trim().split('\n').length === 2 ? true : undefined,
      );
    } finally {
      tail.kill();
    }
  });

  test('after a lost connection the sidecar resumes from its checkpoint, missing nothing', async () => {
    await bridge.halt();
    // A change made while the sidecar's bridge is down, through a second bridge on the same database:
    // only a resume from the sidecar's checkpoint can bring it in.
    const other = await startBridge(db.url, bridge.masterKey);
    try {
      const res = await other.client.post('/v1/files', { path: 'gap.txt', content: 'written in the gap\n' });
      expect(res.status).toBe(201);
    } finally {
      await other.stop();
    }
    await bridge.start();
    await waitFor('the change made during the outage', async () => {
      const r = await sh(`cat '${dir}/current/gap.txt'`);
      return r.stdout === 'written in the gap\n' ? true : undefined;
    });
    expect(sidecar!.output().match(/event stream connected/g)?.length).toBeGreaterThanOrEqual(2);
  }, 180_000);

  test('writes through the mount fail with EROFS and the bridge keeps its tree', async () => {
    const before = await bridge.client.get('/v1/tree');
    for (const cmd of [
      `echo x >> '${dir}/current/README.md'`,
      `echo x > '${dir}/current/new.txt'`,
      `mv '${dir}/current/README.md' '${dir}/current/R.md'`,
      `rm '${dir}/current/README.md'`,
      `chmod 0600 '${dir}/current/README.md'`,
      `mkdir '${dir}/history/x'`,
    ]) {
      expect((await sh(cmd)).stderr).toContain('Read-only file system');
    }
    const after = await bridge.client.get('/v1/tree');
    expect((after.body as { files: unknown }).files).toEqual((before.body as { files: unknown }).files);
  });

  test('the probe answers /readyz while mounted', async () => {
    const ready = await fetch(`http://127.0.0.1:${probePort}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${probePort}/healthz`)).status).toBe(200);
  });

  test('SIGTERM unmounts and exits 0; after a SIGKILL a restart clears the stale mount and serves again', async () => {
    expect(isMounted(dir)).toBe(true);
    expect(await sidecar!.stop('SIGTERM')).toBe(0);
    expect(isMounted(dir)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${probePort}/readyz`)).rejects.toThrow();

    sidecar = await bridge.mount(dir);
    await sidecar.stop('SIGKILL');
    expect((await sh(`stat '${dir}'`)).stderr).toContain('Transport endpoint is not connected');
    sidecar = await bridge.mount(dir);
    expect(sidecar.output()).toContain('cleared a stale mount');
    expect((await sh(`cat '${dir}/current/README.md'`)).stdout).toBe('three\n');
    expect(await sidecar.stop('SIGTERM')).toBe(0);
    expect(isMounted(dir)).toBe(false);
  }, 120_000);
  test('a stop that hangs is cut short: the mount is detached and the sidecar exits 1', async () => {
    // A fusermount whose clean unmount never returns; the lazy one is the real thing.
    const bin = path.join(work, 'hung-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      path.join(bin, 'fusermount'),
      `#!/bin/sh\nif [ "$1" = "-u" ]; then exec sleep 30; fi\nexec ${realFusermount} "$@"\n`,
      { mode: 0o755 },
    );
    sidecar = await bridge.mount(dir, [], { ...process.env, PATH: `${bin}:${process.env.PATH}` });
    expect(await sidecar.stop('SIGTERM')).toBe(1);
    expect(sidecar.output()).toContain('stop did not finish in time; detaching the mount');
    expect(isMounted(dir)).toBe(false);
  }, 60_000);
});
