import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { Operations } from 'fuse-native';
import { ProjectCache } from './cache.js';
import type { FileMeta } from './model.js';
import { createOperations, EACCES, EBADF, EIO, EISDIR, ENOENT, ENOTDIR, EROFS } from './operations.js';
import type { ProjectApi } from './project-api.js';

const bytes = new Map([
  ['README.md', Buffer.from('hello world\n')],
  ['src/a.ts', Buffer.from('export const a = 1;\n')],
]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const T = new Date('2026-02-03T04:05:06.000Z');

function api(): ProjectApi & { fetched: string[] } {
  const fetched: string[] = [];
  return {
    fetched,
    tree: async (): Promise<FileMeta[]> =>
      [...bytes].map(([path, b]) => ({ path, size: b.length, sha256: sha(b), mtime: T })),
    file: async (path) => (fetched.push(path), bytes.get(path) ?? null),
    fileHistory: async () => [],
    history: async () => [],
    annotations: async () => [],
    contexts: async () => [],
    context: async () => null,
    streamEvents: async () => [],
  };
}

const log = { warn: () => undefined };

async function setup() {
  const source = api();
  const cache = new ProjectCache(source);
  await cache.load();
  return { source, ops: createOperations(cache, { uid: 1234, gid: 5678 }, log) };
}

// Calls a callback-style op and returns what it passed to its callback.
function call<K extends keyof Operations>(ops: Operations, name: K, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve) => {
    const fn = ops[name] as (...a: unknown[]) => void;
    fn(...args, (...result: unknown[]) => resolve(result));
  });
}

describe('fuse operations', () => {
  test('getattr: files 0444 with size and mtime from the tree, directories 0555, the configured owner', async () => {
    const { ops } = await setup();
    const [err, st] = (await call(ops, 'getattr', '/current/README.md')) as [number, Record<string, unknown>];
    expect(err).toBe(0);
    expect(st).toMatchObject({ mode: 0o100444, size: 12, mtime: T, uid: 1234, gid: 5678 });
    const [, dir] = (await call(ops, 'getattr', '/current/src')) as [number, Record<string, unknown>];
    expect(dir).toMatchObject({ mode: 0o040555 });
    expect(await call(ops, 'getattr', '/current/missing')).toEqual([ENOENT]);
  });

  test('readdir lists names; files are not directories', async () => {
    const { ops } = await setup();
    expect(await call(ops, 'readdir', '/current')).toEqual([0, ['.', '..', 'README.md', 'src']]);
    expect(await call(ops, 'readdir', '/current/README.md')).toEqual([ENOTDIR]);
    expect(await call(ops, 'readdir', '/nope')).toEqual([ENOENT]);
  });

  test('open + read honour offsets and lengths; reads past the end return 0', async () => {
    const { ops, source } = await setup();
    const [err, fd] = (await call(ops, 'open', '/current/README.md', 0)) as [number, number];
    expect(err).toBe(0);
    const buf = Buffer.alloc(5);
    expect(await call(ops, 'read', '/current/README.md', fd, buf, 5, 6)).toEqual([5]);
    expect(buf.toString()).toBe('world');
    expect(await call(ops, 'read', '/current/README.md', fd, buf, 5, 100)).toEqual([0]);
    // A second open is served from the content cache.
    await call(ops, 'open', '/current/README.md', 0);
    expect(source.fetched).toEqual(['README.md']);
    expect(await call(ops, 'release', '/current/README.md', fd)).toEqual([0]);
    expect(await call(ops, 'read', '/current/README.md', fd, buf, 5, 0)).toEqual([EBADF]);
  });

  test('an open answered after fuse-native gave up leaves no handle behind', async () => {
    const source = api();
    const slow = source.file;
    source.file = async (path) => {
      await new Promise((r) => setTimeout(r, 120));
      return slow(path);
    };
    const cache = new ProjectCache(source);
    await cache.load();
    const warned: string[] = [];
    const ops = createOperations(cache, { uid: 1, gid: 1 }, { warn: (m) => warned.push(m) }, 50);
    // The kernel had ETIMEDOUT at 50 ms; the handle the fetch would give at 120 ms is never made.
    expect(await call(ops, 'open', '/current/README.md', 0)).toEqual([EIO]);
    expect(warned).toEqual(['fuse open answered after the kernel gave up']);
    expect(await call(ops, 'read', '/current/README.md', 1, Buffer.alloc(5), 5, 0)).toEqual([EBADF]);
    // Cached now: the next open is in time, and its handle is the first one made.
    const [err, fd] = (await call(ops, 'open', '/current/README.md', 0)) as [number, number];
    expect([err, fd]).toEqual([0, 1]);
  });

  test('open refuses directories, unknown paths and write access', async () => {
    const { ops } = await setup();
    expect(await call(ops, 'open', '/current/src', 0)).toEqual([EISDIR]);
    expect(await call(ops, 'open', '/current/nope', 0)).toEqual([ENOENT]);
    expect(await call(ops, 'open', '/current/README.md', 1 /* O_WRONLY */)).toEqual([EROFS]);
    expect(await call(ops, 'open', '/current/README.md', 2 /* O_RDWR */)).toEqual([EROFS]);
    expect(await call(ops, 'access', '/current/README.md', 2 /* W_OK */)).toEqual([EROFS]);
    expect(await call(ops, 'access', '/current/README.md', 4 /* R_OK */)).toEqual([0]);
  });

  test('access: files (0444) are not executable, directories (0555) are searchable', async () => {
    const { ops } = await setup();
    expect(await call(ops, 'access', '/current/README.md', 1 /* X_OK */)).toEqual([EACCES]);
    expect(await call(ops, 'access', '/current/README.md', 5 /* R_OK | X_OK */)).toEqual([EACCES]);
    expect(await call(ops, 'access', '/current/src', 1 /* X_OK */)).toEqual([0]);
    expect(await call(ops, 'access', '/current/nope', 1 /* X_OK */)).toEqual([ENOENT]);
  });

  test('every write-type operation answers EROFS', async () => {
    const { ops } = await setup();
    const p = '/current/README.md';
    const cases: [keyof Operations, unknown[]][] = [
      ['write', [p, 1, Buffer.from('x'), 1, 0]],
      ['create', [p, 0o644]],
      ['mknod', [p, 0o644, 0]],
      ['mkdir', ['/current/d', 0o755]],
      ['unlink', [p]],
      ['rmdir', ['/current/src']],
      ['rename', [p, '/current/b']],
      ['link', [p, '/current/b']],
      ['symlink', [p, '/current/b']],
      ['truncate', [p, 0]],
      ['ftruncate', [p, 1, 0]],
      ['chmod', [p, 0o777]],
      ['chown', [p, 0, 0]],
      ['utimens', [p, 0, 0]],
      ['setxattr', [p, 'user.x', Buffer.from('1'), 0, 0]],
      ['removexattr', [p, 'user.x']],
    ];
    for (const [name, args] of cases) expect([name, await call(ops, name, ...args)]).toEqual([name, [EROFS]]);
  });

  test('a handle on a stream log reads what was appended after it was opened', async () => {
    let now = 0;
    const events = [{ position: '1', type: 'A', at: T.toISOString(), data: 1 }];
    const cache = new ProjectCache(
      { ...api(), streamEvents: async (_n, after) => events.slice(Number(after ?? 0)) },
      {
        now: () => new Date(now),
      },
    );
    await cache.load();
    const ops = createOperations(cache, { uid: 0, gid: 0 }, log);
    const [, fd] = (await call(ops, 'open', '/streams/decisions', 0)) as [number, number];
    const first = `${T.toISOString()} A 1 1\n`;
    const buf = Buffer.alloc(200);
    expect(await call(ops, 'read', '/streams/decisions', fd, buf, 200, 0)).toEqual([first.length]);
    events.push({ position: '2', type: 'B', at: T.toISOString(), data: 2 });
    now = 10_000; // stale: the next getattr (tail's poll) refreshes the log
    const [, st] = (await call(ops, 'getattr', '/streams/decisions')) as [number, { size: number }];
    expect(st.size).toBeGreaterThan(first.length);
    const [n] = (await call(ops, 'read', '/streams/decisions', fd, buf, 200, first.length)) as [number];
    expect(buf.subarray(0, n).toString()).toBe(`${T.toISOString()} B 2 2\n`);
  });

  test('a stream log stays whole while a handle reads it, however many other logs are looked up', async () => {
    // The bridge pages stream events (one per page here): a log evicted and fetched again would read shorter.
    let now = 0;
    const line = (n: number) => ({ position: String(n), type: 'A', at: T.toISOString(), data: n });
    const cache = new ProjectCache(
      {
        ...api(),
        streamEvents: async (_n, after) => [line(Number(after ?? 0) + 1)].filter((e) => e.data <= 2),
      },
      { streams: 1, now: () => new Date(now) },
    );
    await cache.load();
    const ops = createOperations(cache, { uid: 0, gid: 0 }, log);
    await call(ops, 'getattr', '/streams/a');
    now = 10_000;
    const [, fd] = (await call(ops, 'open', '/streams/a', 0)) as [number, number];
    const whole = `${T.toISOString()} A 1 1\n${T.toISOString()} A 2 2\n`;
    for (const name of ['b', 'c', 'd']) await call(ops, 'getattr', `/streams/${name}`);
    now = 20_000;
    const [, st] = (await call(ops, 'getattr', '/streams/a')) as [number, { size: number }];
    expect(st.size).toBe(whole.length);
    const buf = Buffer.alloc(200);
    const [n] = (await call(ops, 'read', '/streams/a', fd, buf, 200, 0)) as [number];
    expect(buf.subarray(0, n).toString()).toBe(whole);
    await call(ops, 'release', '/streams/a', fd);
    await call(ops, 'getattr', '/streams/e');
    expect(cache.snapshot.streams.has('a')).toBe(false);
  });

  test('a bridge failure is EIO for that operation, and the next one can succeed', async () => {
    let failing = true;
    const source = api();
    const cache = new ProjectCache({
      ...source,
      file: async (p) => (failing ? Promise.reject(new Error('bridge down')) : source.file(p)),
    });
    await cache.load();
    const warnings: unknown[] = [];
    const ops = createOperations(cache, { uid: 0, gid: 0 }, { warn: (_m, meta) => warnings.push(meta) });
    expect(await call(ops, 'open', '/current/README.md', 0)).toEqual([EIO]);
    expect(warnings).toEqual([{ op: 'open', path: '/current/README.md', err: 'bridge down' }]);
    failing = false;
    expect((await call(ops, 'open', '/current/README.md', 0))[0]).toBe(0);
  });

  test('a /streams name no stream can have is ENOENT, never asked of the bridge', async () => {
    const asked: string[] = [];
    const cache = new ProjectCache({
      ...api(),
      // As the bridge answers such a name: 400 invalid_stream_name.
      streamEvents: async (name) => (asked.push(name), Promise.reject(new Error('400 invalid_stream_name'))),
    });
    await cache.load();
    const ops = createOperations(cache, { uid: 0, gid: 0 }, log);
    expect(await call(ops, 'getattr', '/streams/no such')).toEqual([ENOENT]);
    expect(await call(ops, 'open', '/streams/file:a%25b', 0)).toEqual([ENOENT]);
    expect(asked).toEqual([]);
  });

  test('statfs reports a read-only filesystem', async () => {
    const { ops } = await setup();
    const [err, st] = (await call(ops, 'statfs', '/')) as [number, Record<string, number>];
    expect(err).toBe(0);
    expect(st.flag).toBe(1);
    expect(st.files).toBe(2);
  });
});
