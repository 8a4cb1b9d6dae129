import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';

import { KubeApiError, type ListResult, type WatchEvent } from '../kube/rest.js';
import { Informer, type ListWatchSource } from './informer.js';

const obj = (name: string, resourceVersion: string, extra: Record<string, unknown> = {}): KubernetesObject =>
  ({ metadata: { namespace: 'ns', name, resourceVersion }, ...extra }) as KubernetesObject;

type Step = { events: WatchEvent<KubernetesObject>[]; end: 'close' | Error };

/** A scripted API: list answers and watch streams, in order; the last watch blocks until aborted. */
function scripted(lists: (ListResult<KubernetesObject> | Error)[], watches: Step[]) {
  const calls: string[] = [];
  const source: ListWatchSource<KubernetesObject> = {
    async list() {
      calls.push('list');
      const next = lists.shift();
      if (!next) throw new Error('no more lists');
      if (next instanceof Error) throw next;
      return next;
    },
    async watch(query, onEvent, { signal, onOpen }) {
      calls.push(`watch@${query.resourceVersion}`);
      const step = watches.shift();
      if (!step) {
        if (signal.aborted) return;
        onOpen();
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        return;
      }
      if (!(step.end instanceof Error) || step.events.length > 0) onOpen();
      for (const e of step.events) onEvent(e);
      if (step.end instanceof Error) throw step.end;
    },
  };
  return { source, calls };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('Informer', () => {
  it('lists, then applies watch events to the cache and tells handlers', async () => {
    const { source } = scripted(
      [{ metadata: { resourceVersion: '10' }, items: [obj('a', '5')] }],
      [
        {
          events: [
            { type: 'ADDED', object: obj('b', '11') },
            { type: 'MODIFIED', object: obj('a', '12') },
            { type: 'BOOKMARK', object: obj('', '13') },
            { type: 'DELETED', object: obj('b', '14') },
          ],
          end: 'close',
        },
      ],
    );
    const inf = new Informer(source, { name: 't', backoffInitialMs: 1 });
    const seen: string[] = [];
    inf.on((ev, o) => seen.push(`${ev}:${o.metadata!.name}`));
    await inf.start();
    await until(() => seen.length === 4);
    expect(seen).toEqual(['add:a', 'add:b', 'update:a', 'delete:b']);
    expect(inf.list().map((o) => o.metadata!.resourceVersion)).toEqual(['12']);
    expect(inf.health().healthy).toBe(true);
    await inf.stop();
  });

  it('relists after 410 Gone and reports deletions it missed', async () => {
    const { source, calls } = scripted(
      [
        { metadata: { resourceVersion: '10' }, items: [obj('a', '5'), obj('b', '6')] },
        { metadata: { resourceVersion: '30' }, items: [obj('a', '25')] },
      ],
      [{ events: [], end: new KubeApiError(410, 'Expired', 'too old') }],
    );
    const inf = new Informer(source, { name: 't', backoffInitialMs: 1 });
    const seen: string[] = [];
    inf.on((ev, o) => seen.push(`${ev}:${o.metadata!.name}`));
    await inf.start();
    await until(() => calls.includes('watch@30'));
    expect(calls).toEqual(['list', 'watch@10', 'list', 'watch@30']);
    expect(seen).toEqual(['add:a', 'add:b', 'update:a', 'delete:b']);
    await inf.stop();
  });

  it('lists in pages, and starts over when a continue token has expired', async () => {
    const queries: Record<string, string | undefined>[] = [];
    const { source, calls } = scripted(
      [
        { metadata: { resourceVersion: '10', continue: 'p2' }, items: [obj('a', '5'), obj('b', '6')] },
        new KubeApiError(410, 'Expired', 'continue token expired'),
        { metadata: { resourceVersion: '20', continue: 'q2' }, items: [obj('a', '5'), obj('b', '6')] },
        { metadata: { resourceVersion: '20' }, items: [obj('c', '19')] },
      ],
      [],
    );
    const list = source.list.bind(source);
    source.list = (query) => (queries.push(query), list(query));
    const inf = new Informer(source, { name: 't', backoffInitialMs: 1, listPageSize: 2 });
    await inf.start();
    await until(() => calls.includes('watch@20'));
    expect(queries.map((q) => [q.limit, q.continue])).toEqual([
      ['2', undefined],
      ['2', 'p2'],
      ['2', undefined],
      ['2', 'q2'],
    ]);
    expect(calls).toEqual(['list', 'list', 'list', 'list', 'watch@20']);
    expect(inf.list().map((o) => o.metadata!.name)).toEqual(['a', 'b', 'c']);
    await inf.stop();
  });

  it('reports a dead watch as unhealthy, retries with backoff and recovers', async () => {
    const { source, calls } = scripted(
      [{ metadata: { resourceVersion: '1' }, items: [] }],
      [
        { events: [], end: new Error('connect ECONNREFUSED') },
        { events: [], end: new Error('connect ECONNREFUSED') },
      ],
    );
    const inf = new Informer(source, { name: 'deployments', backoffInitialMs: 40 });
    await inf.start();
    await until(() => !inf.health().healthy);
    expect(inf.health().message).toMatch(/watch failing .*ECONNREFUSED/);
    await until(() => calls.length === 4 && inf.health().healthy);
    expect(calls).toEqual(['list', 'watch@1', 'watch@1', 'watch@1']);
    await inf.stop();
  });

  it('keeps retrying a failing first list and is not synced meanwhile', async () => {
    const { source } = scripted(
      [new Error('forbidden'), { metadata: { resourceVersion: '2' }, items: [obj('a', '2')] }],
      [],
    );
    const inf = new Informer(source, { name: 't', backoffInitialMs: 1 });
    const started = inf.start();
    expect(inf.health().synced).toBe(false);
    await started;
    expect(inf.get('ns', 'a')).toBeDefined();
    await inf.stop();
  });

  it('applies the transform and never lets an older write replace a newer cached object', async () => {
    const { source } = scripted(
      [{ metadata: { resourceVersion: '1' }, items: [obj('a', '9', { data: 'x' })] }],
      [],
    );
    const inf = new Informer(source, {
      name: 't',
      transform: (o) => ({ ...o, data: undefined }) as KubernetesObject,
    });
    await inf.start();
    expect((inf.get('ns', 'a') as { data?: string }).data).toBeUndefined();
    inf.upsert(obj('a', '8'));
    expect(inf.get('ns', 'a')!.metadata!.resourceVersion).toBe('9');
    inf.upsert(obj('a', '10'));
    expect(inf.get('ns', 'a')!.metadata!.resourceVersion).toBe('10');
    await inf.stop();
  });
  it('keeps an upserted object when an older copy arrives after it, by watch or by a relist', async () => {
    let emit!: (e: WatchEvent<KubernetesObject>) => void;
    let fail!: (err: Error) => void;
    let opened!: () => void;
    const watching = () => new Promise<void>((r) => (opened = r));
    let open = watching();
    const lists = [obj('a', '100'), obj('a', '104')];
    const source: ListWatchSource<KubernetesObject> = {
      async list() {
        return { metadata: { resourceVersion: '100' }, items: [lists.shift()!] };
      },
      async watch(_query, onEvent, { signal, onOpen }) {
        emit = onEvent;
        onOpen();
        opened();
        await new Promise<void>((resolve, reject) => {
          fail = reject;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      },
    };
    const inf = new Informer(source, { name: 't', backoffInitialMs: 1 });
    const version = () => inf.get('ns', 'a')!.metadata!.resourceVersion;
    await inf.start();
    await open;
    inf.upsert(obj('a', '105')); // the operator's own status write
    emit({ type: 'MODIFIED', object: obj('a', '104') });
    expect(version()).toBe('105');
    // The watch expires; the relist's snapshot is older than the cached copy too.
    open = watching();
    fail(new KubeApiError(410, 'Expired', 'too old'));
    await open;
    expect(version()).toBe('105');
    emit({ type: 'MODIFIED', object: obj('a', '106') });
    expect(version()).toBe('106');
    await inf.stop();
  });
});
