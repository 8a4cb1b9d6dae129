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
});
