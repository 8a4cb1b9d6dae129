import { createHash } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { NotLoadedError, ProjectCache } from './cache.js';
import type { FileMeta, StreamEvent } from './model.js';
import type { ProjectApi } from './project-api.js';

const T1 = '2026-03-01T00:00:00.000Z';
const T2 = '2026-03-02T00:00:00.000Z';

function api(over: Partial<ProjectApi> = {}): ProjectApi {
  return {
    tree: async (at?: string): Promise<FileMeta[]> =>
      at && at < T2 ? [] : [{ path: 'a.txt', size: 1, sha256: 'x', mtime: new Date(T2) }],
    file: async () => Buffer.from('a'),
    fileHistory: async () => [],
    history: async () => [T2],
    annotations: async () => [],
    contexts: async () => [],
    context: async () => null,
    streamEvents: async () => [],
    ...over,
  };
}

/** A call the test answers when it chooses; `started` resolves once the cache has made it. */
function held<T>() {
  let answer!: (value: T) => void;
  let started!: () => void;
  const call = {
    started: new Promise<void>((r) => (started = r)),
    answer: (value: T) => answer(value),
    made: () => (started(), new Promise<T>((r) => (answer = r))),
  };
  return call;
}

const day = (n: number) => new Date(Date.UTC(2026, 3, n)).toISOString();

describe('project cache', () => {
  test('live events change the current tree, shadows and history points', async () => {
    const cache = new ProjectCache(api());
    await cache.load();
    expect((await cache.lookup('/shadows/a.txt.json'))?.kind).toBe('text');
    cache.apply({ type: 'FileChanged', at: '2026-03-03T00:00:00Z', path: 'd/b.txt', size: 2, sha256: 'y' });
    expect(await cache.lookup('/current/d/b.txt')).toMatchObject({ kind: 'blob', size: 2 });
    expect(cache.snapshot.historyPoints[0]).toBe('2026-03-03T00:00:00.000Z');
    cache.apply({ type: 'AnnotationAdded', at: '2026-03-03T00:00:01Z', path: 'a.txt' });
    expect(cache.snapshot.shadows.has('a.txt')).toBe(false);
    cache.apply({ type: 'FileDeleted', at: '2026-03-04T00:00:00Z', path: 'd/b.txt' });
    expect(await cache.lookup('/current/d')).toBeNull();
  });

  test('content delivered with an event is served without a fetch', async () => {
    let fetches = 0;
    const cache = new ProjectCache(api({ file: async () => (fetches++, Buffer.from('zz')) }));
    await cache.load();
    const content = Buffer.from('new');
    cache.apply({ type: 'FileChanged', at: T2, path: 'n.txt', size: 3, sha256: 'h-new', content });
    const node = await cache.lookup('/current/n.txt');
    expect(await cache.bytes(node!)).toBe(content);
    expect(fetches).toBe(0);
  });

  test('a tree fetched for a time is dropped when a change at or before that time arrives', async () => {
    const cache = new ProjectCache(api());
    await cache.load();
    expect(await cache.lookup(`/history/${T1}`)).toMatchObject({ kind: 'dir', names: [] });
    cache.apply({ type: 'FileChanged', at: '2026-02-28T00:00:00Z', path: 'late.txt', size: 1, sha256: 'l' });
    expect(cache.snapshot.trees.has(T1)).toBe(false);
  });

  test('concurrent lookups share one fetch', async () => {
    let calls = 0;
    const cache = new ProjectCache(api({ tree: async () => (calls++, []) }));
    cache.loaded = true; // as after the first load, which this test does not count
    await Promise.all([cache.lookup(`/history/${T1}`), cache.lookup(`/history/${T1}/x`)]);
    expect(calls).toBe(1);
  });

  test('readers opening an uncached file at once share one fetch of its bytes', async () => {
    const bytes = Buffer.from('big');
    const sha = createHash('sha256').update(bytes).digest('hex');
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    let calls = 0;
    const cache = new ProjectCache(api({ file: async () => (calls++, await answered, bytes) }));
    await cache.load();
    cache.apply({ type: 'FileChanged', at: T2, path: 'big.bin', size: 3, sha256: sha });
    const node = (await cache.lookup('/current/big.bin'))!;
    const reads = Array.from({ length: 5 }, () => cache.bytes(node));
    answer();
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 5 }, () => bytes));
    expect(calls).toBe(1);
  });

  test('stream logs are fetched on lookup, refreshed when stale, and only grow', async () => {
    let now = 0;
    const events: StreamEvent[] = [{ position: '1', type: 'A', at: T1, data: 1 }];
    const afters: (string | undefined)[] = [];
    const cache = new ProjectCache(
      api({
        streamEvents: async (name, after) => {
          afters.push(after);
          return name === 'decisions' ? events.filter((e) => Number(e.position) > Number(after ?? 0)) : [];
        },
      }),
      { now: () => new Date(now), streamRefreshMs: 500 },
    );
    cache.loaded = true;
    // A stream without events is not there.
    expect(await cache.lookup('/streams/nothing')).toBeNull();
    const first = await cache.lookup('/streams/decisions');
    expect(first?.kind === 'text' && first.file.bytes.toString()).toContain(' A 1 1\n');
    events.push({ position: '2', type: 'B', at: T2, data: 2 });
    now = 100;
    const cached = await cache.lookup('/streams/decisions');
    expect(cached?.kind === 'text' && cached.file.bytes.length).toBe(
      first?.kind === 'text' && first.file.bytes.length,
    );
    now = 1000;
    const grown = await cache.lookup('/streams/decisions');
    expect(grown?.kind === 'text' && grown.file.bytes.toString().split('\n')).toHaveLength(3);
    expect(afters.at(-1)).toBe('1');
  });

  test('a stream log already held is served as it is while the bridge is down; one never fetched is an error', async () => {
    let now = 0;
    let down = false;
    const cache = new ProjectCache(
      api({
        streamEvents: async (name, after) => {
          if (down) throw new Error('down');
          return after ? [] : [{ position: '1', type: 'A', at: T1, data: 1 }];
        },
      }),
      { now: () => new Date(now), streamRefreshMs: 500 },
    );
    cache.loaded = true;
    const held = await cache.lookup('/streams/decisions');
    down = true;
    now = 1000;
    const stale = await cache.lookup('/streams/decisions');
    expect(stale?.kind === 'text' && stale.file.bytes.toString()).toBe(
      held?.kind === 'text' && held.file.bytes.toString(),
    );
    await expect(cache.lookup('/streams/other')).rejects.toThrow('down');
  });

  test('a failing bridge is an error for the caller (EIO), not an empty tree', async () => {
    const cache = new ProjectCache(api({ tree: async () => Promise.reject(new Error('down')) }));
    cache.loaded = true;
    await expect(cache.lookup(`/history/${T1}`)).rejects.toThrow('down');
  });

  test('before the first load only the root resolves; everything else is NotLoadedError (EAGAIN)', async () => {
    const cache = new ProjectCache(api());
    expect(await cache.lookup('/')).toMatchObject({ kind: 'dir' });
    await expect(cache.lookup('/current')).rejects.toThrow(NotLoadedError);
    await cache.load();
    expect(await cache.lookup('/current')).toMatchObject({ kind: 'dir' });
  });
  test('a shadow fetched while a change to its file arrives is fetched again, not kept', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let fetches = 0;
    const cache = new ProjectCache(
      api({
        fileHistory: async () => {
          if (++fetches === 1) await held;
          return fetches === 1
            ? []
            : [
                {
                  at: '2026-03-03T00:00:00Z',
                  kind: 'modified',
                  size: 2,
                  sha256: 'y',
                  agentId: 'a',
                  sessionId: null,
                  version: 2,
                },
              ];
        },
      }),
    );
    await cache.load();
    const lookup = cache.lookup('/shadows/a.txt.json'); // its first fetch is held
    await new Promise((r) => setTimeout(r, 10));
    cache.apply({ type: 'FileChanged', at: '2026-03-03T00:00:00Z', path: 'a.txt', size: 2, sha256: 'y' });
    release();
    expect((await lookup)?.kind).toBe('text');
    expect(fetches).toBe(2);
    expect(cache.snapshot.shadows.get('a.txt')?.bytes.toString()).toContain('"sha256": "y"');
  });

  test('file bytes are fetched as of the version they belong to, and refused when they are another version', async () => {
    const asked: (string | undefined)[] = [];
    const bytes = Buffer.from('new');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const cache = new ProjectCache(
      api({
        file: async (_path: string, at?: string) => (asked.push(at), at === T2 ? bytes : Buffer.from('old')),
      }),
    );
    await cache.load();
    cache.apply({ type: 'FileChanged', at: T2, path: 'v.txt', size: 3, sha256: sha });
    expect(await cache.bytes((await cache.lookup('/current/v.txt'))!)).toEqual(bytes);
    expect(asked).toEqual([T2]);
    cache.apply({
      type: 'FileChanged',
      at: '2026-03-05T00:00:00Z',
      path: 'w.txt',
      size: 3,
      sha256: sha.replace(/^./, '0'),
    });
    await expect(cache.bytes((await cache.lookup('/current/w.txt'))!)).rejects.toThrow(/other bytes/);
  });

  test('past trees are bounded by count; an evicted time is fetched again as it was', async () => {
    const asked: string[] = [];
    const cache = new ProjectCache(
      api({
        tree: async (at?: string) => (
          asked.push(at ?? 'now'),
          [{ path: `at-${at}.txt`, size: 1, sha256: 'x', mtime: new Date(T1) }]
        ),
      }),
      { trees: 3 },
    );
    cache.loaded = true;
    for (let n = 1; n <= 20; n++) {
      expect((await cache.lookup(`/history/${day(n)}`))?.kind).toBe('dir');
      expect(cache.snapshot.trees.size).toBeLessThanOrEqual(3);
    }
    expect([...cache.snapshot.trees.keys()]).toEqual([day(18), day(19), day(20)]);
    expect(await cache.lookup(`/history/${day(1)}/at-${day(1)}.txt`)).toMatchObject({ kind: 'blob' });
    expect(asked.filter((at) => at === day(1))).toHaveLength(2);
    // A lookup counts as use: day 19 was looked up last, so day 20 goes first.
    await cache.lookup(`/history/${day(19)}`);
    await cache.lookup(`/history/${day(2)}`);
    expect([...cache.snapshot.trees.keys()]).toEqual([day(1), day(19), day(2)]);
  });

  test('stream logs and the state of streams without events are bounded by count', async () => {
    const fetched: string[] = [];
    const cache = new ProjectCache(
      api({
        streamEvents: async (name, after) => (
          fetched.push(`${name}@${after ?? ''}`),
          name.startsWith('log-') && after === undefined
            ? [{ position: '1', type: 'A', at: T1, data: name }]
            : []
        ),
      }),
      { streams: 2, now: () => new Date(0) },
    );
    cache.loaded = true;
    for (let n = 0; n < 20; n++) {
      expect((await cache.lookup(`/streams/log-${n}`))?.kind).toBe('text');
      expect(await cache.lookup(`/streams/none-${n}`)).toBeNull();
      expect(cache.snapshot.streams.size).toBeLessThanOrEqual(2);
    }
    // Both were looked up within the refresh interval, yet fetched again: their state was evicted too.
    fetched.length = 0;
    const again = await cache.lookup('/streams/log-0');
    expect(again?.kind === 'text' && again.file.bytes.toString()).toBe(`${T1} A 1 "log-0"\n`);
    expect(await cache.lookup('/streams/none-0')).toBeNull();
    expect(fetched).toEqual(['log-0@', 'none-0@']);
  });

  test('shadows are bounded by count', async () => {
    const cache = new ProjectCache(
      api({
        tree: async () =>
          Array.from({ length: 10 }, (_, i) => ({
            path: `f${i}`,
            size: 1,
            sha256: 'x',
            mtime: new Date(T1),
          })),
      }),
      { shadows: 4 },
    );
    await cache.load();
    for (let i = 0; i < 10; i++) expect((await cache.lookup(`/shadows/f${i}.json`))?.kind).toBe('text');
    expect(cache.snapshot.shadows.size).toBe(4);
  });

  test('a stream log an open handle reads is not evicted; once released it can be', async () => {
    const cache = new ProjectCache(
      api({
        streamEvents: async (name, after) =>
          after ? [] : [{ position: '1', type: 'A', at: T1, data: name }],
      }),
      { streams: 1, now: () => new Date(0) },
    );
    cache.loaded = true;
    await cache.lookup('/streams/held');
    const release = cache.holdStream('held');
    for (const name of ['b', 'c', 'd']) await cache.lookup(`/streams/${name}`);
    expect([...cache.snapshot.streams.keys()].sort()).toEqual(['d', 'held']);
    release();
    await cache.lookup('/streams/e');
    expect([...cache.snapshot.streams.keys()]).toEqual(['e']);
  });

  test('a stream log evicted while it was being refreshed is fetched whole, not rebuilt from the new events', async () => {
    let now = 0;
    const refresh = held<StreamEvent[]>();
    const log: StreamEvent[] = [{ position: '1', type: 'A', at: T1, data: 1 }];
    const cache = new ProjectCache(
      api({
        streamEvents: async (name, after) => {
          if (name !== 'a') return [];
          if (after === '1') return refresh.made();
          return log.filter((e) => Number(e.position) > Number(after ?? 0));
        },
      }),
      { streams: 1, now: () => new Date(now) },
    );
    cache.loaded = true;
    await cache.lookup('/streams/a');
    log.push({ position: '2', type: 'B', at: T2, data: 2 });
    now = 1000;
    const refreshing = cache.lookup('/streams/a');
    await refresh.started;
    await cache.lookup('/streams/other'); // evicts a
    refresh.answer(log.slice(1));
    const node = await refreshing;
    expect(node?.kind === 'text' && node.file.bytes.toString()).toBe(`${T1} A 1 1\n${T2} B 2 2\n`);
  });

  test('a past tree fetched while a change at or before its time arrives is fetched again, not kept stale', async () => {
    // The interleaving: the lookup asks for the tree at T; the bridge answers from before change C
    // (at <= T); C's event arrives and drops trees at or after its time, of which T is not one yet;
    // then the answer arrives and would be kept as T's tree, without C, for as long as it is cached.
    const T = day(10);
    const first = held<FileMeta[]>();
    let fetches = 0;
    const changed = { path: 'c.txt', size: 1, sha256: 'c', mtime: new Date(day(5)) };
    const cache = new ProjectCache(
      api({ tree: async (at) => (at === T && ++fetches === 1 ? first.made() : [changed]) }),
    );
    await cache.load();
    const lookup = cache.lookup(`/history/${T}`);
    await first.started;
    cache.apply({ type: 'FileChanged', at: day(5), path: 'c.txt', size: 1, sha256: 'c' });
    first.answer([]);
    expect(await lookup).toMatchObject({ kind: 'dir', names: ['c.txt'] });
    expect(fetches).toBe(2);
    expect(cache.snapshot.trees.get(T)?.files.has('c.txt')).toBe(true);
  });

  test('a change after the time of a tree being fetched does not make it fetched again', async () => {
    const T = day(10);
    const first = held<FileMeta[]>();
    let fetches = 0;
    const cache = new ProjectCache(
      api({ tree: async (at) => (at === T && ++fetches === 1 ? first.made() : []) }),
    );
    await cache.load();
    const lookup = cache.lookup(`/history/${T}`);
    await first.started;
    cache.apply({ type: 'FileChanged', at: day(11), path: 'later.txt', size: 1, sha256: 'l' });
    first.answer([]);
    expect(await lookup).toMatchObject({ kind: 'dir', names: [] });
    expect(fetches).toBe(1);
    expect(cache.snapshot.trees.has(T)).toBe(true);
  });

  test('a tree that every fetch finds changed is answered but not kept', async () => {
    const T = day(10);
    let fetches = 0;
    const cache = new ProjectCache(
      api({
        tree: async (at) => {
          if (at !== T) return [];
          const n = ++fetches;
          cache.apply({ type: 'FileChanged', at: day(n), path: `f${n}`, size: 1, sha256: 'x' });
          return [{ path: `before-${n}`, size: 1, sha256: 'x', mtime: new Date(day(1)) }];
        },
      }),
    );
    await cache.load();
    expect(await cache.lookup(`/history/${T}`)).toMatchObject({ kind: 'dir', names: ['before-3'] });
    expect(fetches).toBe(3);
    expect(cache.snapshot.trees.has(T)).toBe(false);
  });
});
