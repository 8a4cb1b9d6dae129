import { afterAll, describe, expect, it } from '@jest/globals';
import { openEventStore, type EventStore } from '../events/index.js';
import { DRIVERS, testTarget } from '../storage/test-databases.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sha256Of } from './blobs.js';
import { DEFAULT_MAX_FILE_BYTES, ProjectError, ProjectService } from './service.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function open(driver: 'pg' | 'pglite') {
  const target = await testTarget(driver);
  const stores: EventStore[] = [];
  const services: ProjectService[] = [];
  cleanup.push(async () => {
    for (const s of services) await s.close();
    for (const s of stores) await s.close();
    await target.dispose();
  });
  const start = async (maxHeldBytes?: number) => {
    const store = await openEventStore({ ...target.location, subscription: { pollIntervalMs: 200 } });
    const service = new ProjectService(store, DEFAULT_MAX_FILE_BYTES, maxHeldBytes);
    await service.start();
    stores.push(store);
    services.push(service);
    const close = async () => {
      await service.close();
      await store.close();
      stores.splice(stores.indexOf(store), 1);
      services.splice(services.indexOf(service), 1);
    };
    return { store, service, close };
  };
  return Object.assign(start, { location: target.location });
}

const pause = () => new Promise((r) => setTimeout(r, 5));
const text = async (s: ProjectService, p: string, at?: string) => {
  const v = s.projection.fileAt(p, at ? new Date(at) : undefined);
  return v ? (await s.content(p, v)).toString() : undefined;
};

const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProjectError) return `${err.status} ${err.code}`;
    throw err;
  }
  return 'ok';
};

describe.each(DRIVERS)('ProjectService on %s', (driver) => {
  it('time travel: write, overwrite, delete, recreate, read at each time, also after a restart', async () => {
    const replica = await open(driver);
    const { service, close } = await replica();
    const w1 = await service.writeFile('alice', { path: './src/a.ts', content: 'one\n', sessionId: 's1' });
    await pause();
    const w2 = await service.writeFile('bob', { path: 'src/a.ts', diff: '@@ -1 +1,2 @@\n one\n+two\n' });
    await pause();
    const w3 = await service.writeFile('alice', { path: 'src/a.ts', deleted: true });
    await pause();
    const w4 = await service.writeFile('alice', {
      path: 'src/a.ts',
      contentBase64: Buffer.from('three').toString('base64'),
    });
    expect([w1, w2, w3, w4].map((w) => [w.path, w.version])).toEqual([
      ['src/a.ts', 1],
      ['src/a.ts', 2],
      ['src/a.ts', 3],
      ['src/a.ts', 4],
    ]);
    const check = async (s: ProjectService) => {
      expect(await text(s, 'src/a.ts', new Date(Date.parse(w1.at) - 1).toISOString())).toBeUndefined();
      expect(await text(s, 'src/a.ts', w1.at)).toBe('one\n');
      expect(await text(s, 'src/a.ts', w2.at)).toBe('one\ntwo\n');
      expect(await text(s, 'src/a.ts', w3.at)).toBeUndefined();
      expect(s.projection.tree(new Date(w3.at))).toEqual([]);
      expect(await text(s, 'src/a.ts', w4.at)).toBe('three');
      expect(await text(s, 'src/a.ts')).toBe('three');
      expect(s.projection.history('src/a.ts').map((h) => [h.kind, h.agentId])).toEqual([
        ['created', 'alice'],
        ['modified', 'bob'],
        ['deleted', 'alice'],
        ['created', 'alice'],
      ]);
    };
    await check(service);
    await close(); // PGlite: one process per data directory
    const restarted = await replica();
    await check(restarted.service);
  });
});

describe.each(DRIVERS)('large files on %s', (driver) => {
  it('stores files past one event as a blob: whole content, time travel, diffs, one blob per content, after a restart', async () => {
    const replica = await open(driver);
    const { service, store, close } = await replica();
    const big = randomBytes(3 * 1024 * 1024 + 7); // seven chunks
    const text = Array.from({ length: 40_000 }, (_, i) => `line ${i}\n`).join(''); // ~430 KiB
    const v1 = await service.writeFile('a', { path: 'data.bin', contentBase64: big.toString('base64') });
    await pause();
    await service.writeFile('a', { path: 'data.bin', content: 'small now' });
    const log = await service.writeFile('a', { path: 'log.txt', content: text + text }); // ~860 KiB
    // A diff against a blob-stored file: the current content is read back from its chunks.
    await service.writeFile('a', {
      path: 'log.txt',
      diff: '--- a/log.txt\n+++ b/log.txt\n@@ -1,1 +1,1 @@\n-line 0\n+line zero\n',
    });
    // Equal contents share one blob.
    await service.writeFile('b', { path: 'copy.bin', contentBase64: big.toString('base64') });
    const blobs = (await store.readAll({ streamPrefix: 'blob:', limit: 1000 })).events;
    expect(new Set(blobs.map((e) => e.stream)).size).toBe(3); // big, log v1, log v2
    const bigSha = sha256Of(big);
    expect(blobs.filter((e) => e.stream === `blob:${bigSha}`).map((e) => e.version)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);

    const check = async (s: ProjectService) => {
      const at = (p: string, t?: string) => s.projection.fileAt(p, t ? new Date(t) : undefined)!;
      expect((await s.content('data.bin', at('data.bin', v1.at))).equals(big)).toBe(true);
      expect((await s.content('data.bin', at('data.bin'))).toString()).toBe('small now');
      expect((await s.content('copy.bin', at('copy.bin'))).equals(big)).toBe(true);
      expect((await s.content('log.txt', at('log.txt', log.at))).toString()).toBe(text + text);
      expect((await s.content('log.txt', at('log.txt'))).toString()).toBe(
        'line zero\n' + (text + text).slice('line 0\n'.length),
      );
    };
    await check(service);
    await close();
    await check((await replica()).service);
  }, 120_000);
});

describe('ProjectService', () => {
  it('refuses bad input with a clear code and stores nothing', async () => {
    const replica = await open('pg');
    const { service, store } = await replica();
    await service.writeFile('a', { path: 'f.txt', content: 'x\n' });
    const before = (await store.readAll()).events.length;
    expect(await code(service.writeFile('a', { path: '../etc/passwd', content: 'x' }))).toBe(
      '400 invalid_path',
    );
    expect(await code(service.writeFile('a', { path: '/etc/passwd', content: 'x' }))).toBe(
      '400 invalid_path',
    );
    expect(await code(service.writeFile('a', { path: 'a\0b', content: 'x' }))).toBe('400 invalid_path');
    expect(await code(service.writeFile('a', { path: 'n'.repeat(256), content: 'x' }))).toBe(
      '400 invalid_path',
    );
    expect(await code(service.writeFile('a', { path: 'f.txt' }))).toBe('400 invalid_request');
    expect(await code(service.writeFile('a', { path: 'f.txt', content: 'x', deleted: true }))).toBe(
      '400 invalid_request',
    );
    expect(await code(service.writeFile('a', { path: 'f.txt', contentBase64: '!!' }))).toBe(
      '400 invalid_request',
    );
    expect(await code(service.writeFile('a', { path: 'f.txt', diff: 'junk' }))).toBe('400 invalid_diff');
    expect(await code(service.writeFile('a', { path: 'f.txt', diff: '@@ -1 +1 @@\n-nope\n+y\n' }))).toBe(
      '409 diff_does_not_apply',
    );
    expect(await code(service.writeFile('a', { path: 'g.txt', deleted: true }))).toBe('404 not_found');
    expect(
      await code(service.writeFile('a', { path: 'big', content: 'x'.repeat(DEFAULT_MAX_FILE_BYTES + 1) })),
    ).toBe('413 file_too_large');
    expect(await code(service.annotate('a', { path: '../x', text: 'hi' }))).toBe('400 invalid_path');
    expect(await code(service.annotate('a', { path: 'f.txt', text: 'hi', severity: 'fatal' }))).toBe(
      '400 invalid_request',
    );
    expect(await code(service.annotate('a', { path: 'f.txt', text: 'hi', line: 0 }))).toBe(
      '400 invalid_request',
    );
    expect(await code(service.annotate('a', { path: 'f.txt', text: 'hi', line: 1e300 }))).toBe(
      '400 invalid_request',
    );
    expect(await code(service.createContext('a', { name: 'c', files: ['../x'] }))).toBe('400 invalid_path');
    expect(await code(service.createContext('a', { name: '', files: [] }))).toBe('400 invalid_request');
    expect((await store.readAll()).events.length).toBe(before);
    expect(await text(service, 'f.txt')).toBe('x\n');
  });

  it('refuses a file it could not store as sent: a lone surrogate in content or a diff, base64 of a length no encoder gives', async () => {
    const replica = await open('pg');
    const { service, store } = await replica();
    await service.writeFile('a', { path: 'f.txt', content: 'x\n' });
    const before = (await store.readAll()).events.length;
    // UTF-8 would hold U+FFFD in place of the surrogate; `A` would decode to no bytes at all.
    for (const write of [
      { content: 'a\ud800b' },
      { content: '\udc00' },
      { diff: '@@ -1 +1 @@\n-x\n+\ud800\n' },
      { contentBase64: 'A' },
      { contentBase64: 'QUJDR' },
      { contentBase64: 'QQ=' },
      { contentBase64: '==' },
    ]) {
      expect([write, await code(service.writeFile('a', { path: 'f.txt', ...write }))]).toEqual([
        write,
        '400 invalid_request',
      ]);
    }
    expect((await store.readAll()).events.length).toBe(before);
    expect(await text(service, 'f.txt')).toBe('x\n');
    // A surrogate pair is a character like any other; base64 with or without its padding is base64.
    await service.writeFile('a', { path: 'f.txt', content: '\ud83d\ude00' });
    expect(await text(service, 'f.txt')).toBe('\ud83d\ude00');
    for (const contentBase64 of ['QQ==', 'QQ', 'QUI=', 'QUI', 'QUJD', '']) {
      await service.writeFile('a', { path: 'f.txt', contentBase64 });
      expect(await text(service, 'f.txt')).toBe(Buffer.from(contentBase64, 'base64').toString());
    }
  });

  it('refuses growth of the view past its cap with 507 project_full and stores nothing; shrinking and deleting pass', async () => {
    const replica = await open('pg');
    const { service, store } = await replica(4000);
    await service.writeFile('a', { path: 'f.txt', content: 'x'.repeat(3000) });
    const held = service.projection.heldBytes;
    expect(held).toBeGreaterThan(3000);
    const before = (await store.readAll({ limit: 1000 })).events.length;
    const big = randomBytes(600 * 1024); // a blob: only its version's entry would stay in memory
    const refusals = [
      () => service.writeFile('a', { path: 'g.txt', content: 'y'.repeat(2000) }),
      () => service.writeFile('a', { path: 'big.bin', contentBase64: big.toString('base64') }),
      () => service.annotate('a', { path: 'f.txt', text: 'hm' }),
      () => service.createContext('a', { name: 'c', files: ['f.txt'] }),
    ];
    for (const write of refusals) expect(await code(write())).toBe('507 project_full');
    await expect(service.writeFile('a', { path: 'g.txt', content: 'y' })).rejects.toThrow(
      /LIGHTHOUSE_PROJECT_MAX_BYTES is 4000/,
    );
    expect((await store.readAll({ limit: 1000 })).events.length).toBe(before);
    expect(service.projection.heldBytes).toBe(held);
    // A smaller version frees more than it adds; a delete always passes.
    expect(await code(service.writeFile('a', { path: 'f.txt', content: 'small' }))).toBe('ok');
    expect(await code(service.writeFile('a', { path: 'f.txt', deleted: true }))).toBe('ok');
    expect(service.projection.heldBytes).toBeLessThan(held);
    expect(await code(service.writeFile('a', { path: 'g.txt', content: 'y' }))).toBe('ok');
    // Every replica rebuilds the same estimate from the store.
    const other = await replica(4000);
    expect(other.service.projection.heldBytes).toBe(service.projection.heldBytes);
  });

  it('counts writes in flight on a replica against the cap, so concurrent ones cannot all pass it', async () => {
    const replica = await open('pg');
    const { service } = await replica(4000);
    // Each adds about 1,250 bytes: three fit.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        code(service.writeFile('a', { path: `f${i}`, content: 'x'.repeat(500) })),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r === '507 project_full')).toHaveLength(7);
    expect(service.projection.heldBytes).toBeLessThanOrEqual(4000);
  });

  it('a replica writing ahead of its own subscription keeps the versions another replica wrote before', async () => {
    const replica = await open('pg');
    if (!('url' in replica.location)) throw new Error('pg target without a url');
    const r1 = (await replica()).service;
    const r2 = (await replica()).service;
    const versions = (s: ProjectService) => s.projection.history('race.txt').map((v) => v.version);
    await r1.writeFile('alice', { path: 'race.txt', content: 'v1' });
    for (let i = 0; i < 100 && versions(r2).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    // An open transaction holds the subscription horizon back: r2 hears of nothing new.
    const holder = new pg.Client({ connectionString: replica.location.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      await r1.writeFile('alice', { path: 'race.txt', content: 'v2' });
      await r2.writeFile('bob', { path: 'race.txt', content: 'v3' }); // after v2, read from the stream
      expect(versions(r2)).toEqual([1, 2, 3]);
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    await pause();
    for (let i = 0; i < 100 && versions(r1).length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(versions(r1)).toEqual([1, 2, 3]);
    expect(versions(r2)).toEqual([1, 2, 3]); // the late delivery of v2 changed nothing
    expect(await text(r2, 'race.txt')).toBe('v3');
  });

  it('a replica more than a page of versions behind on a file still writes the next one and keeps them all', async () => {
    const replica = await open('pg');
    if (!('url' in replica.location)) throw new Error('pg target without a url');
    const writer = await replica();
    const r2 = (await replica()).service;
    const holder = new pg.Client({ connectionString: replica.location.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()'); // r2's subscription sees nothing newer
      const bytes = (i: number) => Buffer.from(`v${i}\n`);
      const versions = Array.from({ length: 1_234 }, (_, i) => ({
        type: 'FileChanged',
        data: {
          path: 'long.txt',
          contentBase64: bytes(i + 1).toString('base64'),
          sha256: sha256Of(bytes(i + 1)),
          size: bytes(i + 1).length,
          agentId: 'alice',
        },
      }));
      for (let i = 0; i < versions.length; i += 500)
        await writer.store.append('file:long.txt', versions.slice(i, i + 500));
      // A diff against the newest version: no retry on a conflict, so the first read must find it.
      const w = await r2.writeFile('bob', { path: 'long.txt', diff: '@@ -1 +1 @@\n-v1234\n+next\n' });
      expect(w.version).toBe(1_235);
      expect(r2.projection.history('long.txt')).toHaveLength(1_235);
      expect(await text(r2, 'long.txt')).toBe('next\n');
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
  });

  it('a path is a file or a folder, never both: 409 path_conflict, whichever replica wrote the other', async () => {
    const replica = await open('pg');
    const r1 = (await replica()).service;
    const r2 = (await replica()).service;
    await r1.writeFile('a', { path: 'src/main.ts', content: 'x' });
    expect(await code(r2.writeFile('b', { path: 'src', content: 'y' }))).toBe('409 path_conflict');
    expect(await code(r2.writeFile('b', { path: 'src/main.ts/x', content: 'y' }))).toBe('409 path_conflict');
    await r2.writeFile('b', { path: 'src/main.ts', deleted: true });
    // r1 folds in r2's delete before it decides, delivered by its subscription or not.
    expect(await code(r1.writeFile('a', { path: 'src', content: 'a file now' }))).toBe('ok');
    expect(await code(r2.writeFile('b', { path: 'src/main.ts', content: 'x' }))).toBe('409 path_conflict');
  });

  it("sync() shows another replica's writes that the subscription has not delivered yet", async () => {
    const target = await testTarget('pg');
    cleanup.push(() => target.dispose());
    const writerStore = await openEventStore(target.location);
    const writer = new ProjectService(writerStore);
    await writer.start();
    // The reader's subscription holds every delivery back until the gate opens.
    const store = await openEventStore(target.location);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const subscribe = store.subscribe.bind(store);
    store.subscribe = (opts, handler) =>
      subscribe(opts, async (e) => {
        await gate;
        await handler(e);
      });
    const reader = new ProjectService(store);
    await reader.start();
    cleanup.push(async () => {
      open();
      for (const s of [reader, writer]) await s.close();
      for (const s of [store, writerStore]) await s.close();
    });
    await writer.writeFile('alice', { path: 'synced.txt', content: 'one' });
    await writer.writeFile('alice', { path: 'synced.txt', content: 'two' });
    await writer.annotate('expert', { path: 'synced.txt', text: 'look', severity: 'info' });
    expect(reader.projection.fileAt('synced.txt')).toBeUndefined();
    await reader.sync();
    expect(await text(reader, 'synced.txt')).toBe('two');
    expect(reader.projection.history('synced.txt').map((v) => v.version)).toEqual([1, 2]);
    expect(reader.projection.annotations('synced.txt')).toHaveLength(1);
    open(); // the late deliveries change nothing
    await new Promise((r) => setTimeout(r, 100));
    expect(reader.projection.history('synced.txt').map((v) => v.version)).toEqual([1, 2]);
    expect(reader.projection.annotations('synced.txt')).toHaveLength(1);
  });

  it('annotations and context packages; a second replica sees them', async () => {
    const replica = await open('pg');
    const r1 = (await replica()).service;
    const r2 = (await replica()).service;
    const w = await r1.writeFile('alice', { path: 'lib/x.ts', content: 'v1' });
    const a = await r1.annotate('expert', {
      path: 'lib/x.ts',
      text: 'unsafe cast',
      severity: 'warning',
      line: 3,
    });
    expect(a).toMatchObject({ path: 'lib/x.ts', severity: 'warning', line: 3, agentId: 'expert' });
    const c = await r1.createContext('alice', {
      name: 'review',
      files: ['lib/x.ts', 'missing.ts'],
      note: 'check',
    });
    await pause();
    await r1.writeFile('alice', { path: 'lib/x.ts', content: 'v2' });
    const resolved = r1.projection.context(c.id)!;
    expect(resolved.resolved).toEqual([
      { path: 'lib/x.ts', size: 2, sha256: r1.projection.fileAt('lib/x.ts', new Date(w.at))!.sha256 },
    ]);
    expect(await text(r1, 'lib/x.ts', resolved.createdAt)).toBe('v1');
    for (let i = 0; i < 50 && r2.projection.annotations('lib/x.ts').length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(r2.projection.annotations('lib/x.ts')).toEqual([a]);
    for (let i = 0; i < 50 && (await text(r2, 'lib/x.ts')) !== 'v2'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await text(r2, 'lib/x.ts')).toBe('v2');
    expect(r2.projection.listContexts().map((x) => x.id)).toEqual([c.id]);
  });
});

describe.each(DRIVERS)('ProjectService.content on %s', (driver) => {
  it('refuses stored bytes that do not match the version: inline, a different blob, a tampered chunk', async () => {
    const { service, store } = await (await open(driver))();
    await service.writeFile('a', { path: 'small.txt', content: 'small' });
    const big = randomBytes(1024 * 1024 + 3);
    await service.writeFile('a', { path: 'big.bin', contentBase64: big.toString('base64') });
    const stored = (p: string) => ({ ...service.projection.fileAt(p)!, content: null });
    const wrong = 'f'.repeat(64);
    await expect(service.content('small.txt', { ...stored('small.txt'), sha256: wrong })).rejects.toThrow(
      'stored content of small.txt@1 does not match',
    );
    expect((await service.content('small.txt', stored('small.txt'))).toString()).toBe('small');
    await expect(service.content('big.bin', { ...stored('big.bin'), sha256: wrong })).rejects.toThrow(
      'stored content of big.bin@1 does not match',
    );
    expect((await service.content('big.bin', stored('big.bin'))).equals(big)).toBe(true);
    await store.db.query(
      `UPDATE events SET data = jsonb_set(data, '{dataBase64}', to_jsonb('AAAA'::text))
       WHERE stream = $1 AND version = 1`,
      [`blob:${sha256Of(big)}`],
    );
    await expect(service.content('big.bin', stored('big.bin'))).rejects.toThrow('does not match its hash');
  });
});
