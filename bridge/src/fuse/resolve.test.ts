import { describe, expect, test } from '@jest/globals';
import { buildTree } from './file-tree.js';
import { renderContext, renderManifest, renderShadow, appendStream } from './render.js';
import { historyKey, resolve, streamFileName, streamName } from './resolve.js';
import { emptySnapshot } from './snapshot.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const f = (path: string, size: number, iso: string) => ({
  path,
  size,
  sha256: `sha-${path}`,
  mtime: new Date(iso),
});

function snapshot() {
  const snap = emptySnapshot(T0);
  snap.current = buildTree([
    f('README.md', 10, '2026-01-02T00:00:00Z'),
    f('src/a.ts', 20, '2026-01-03T00:00:00Z'),
  ]);
  snap.historyPoints = ['2026-01-03T00:00:00.000Z', '2026-01-02T00:00:00.000Z'];
  snap.trees.set('2026-01-02T00:00:00.000Z', buildTree([f('README.md', 4, '2026-01-02T00:00:00Z')]));
  snap.contexts.set('c1', { id: 'c1', name: 'fix', createdAt: '2026-01-02T12:00:00.000Z' });
  return snap;
}

describe('resolve', () => {
  test('root lists the five views', () => {
    expect(resolve(snapshot(), '/')).toEqual({
      kind: 'dir',
      names: ['context', 'current', 'history', 'shadows', 'streams'],
      mtime: T0,
    });
  });

  test('/current maps directories and files with sizes and mtimes from the tree', () => {
    const snap = snapshot();
    expect(resolve(snap, '/current')).toMatchObject({ kind: 'dir', names: ['README.md', 'src'] });
    expect(resolve(snap, '/current/src')).toMatchObject({
      kind: 'dir',
      names: ['a.ts'],
      mtime: new Date('2026-01-03T00:00:00Z'),
    });
    expect(resolve(snap, '/current/src/a.ts')).toEqual({
      kind: 'blob',
      size: 20,
      mtime: new Date('2026-01-03T00:00:00Z'),
      sha256: 'sha-src/a.ts',
      source: { path: 'src/a.ts' },
    });
  });

  test('unknown paths resolve to nothing', () => {
    const snap = snapshot();
    for (const p of [
      '/nope',
      '/current/nope',
      '/current/src/a.ts/x',
      '/history/yesterday',
      '/shadows/x.json',
    ]) {
      expect(resolve(snap, p)).toBeNull();
    }
  });

  test('/history lists change points; a loaded time shows that tree; another time needs loading', () => {
    const snap = snapshot();
    expect(resolve(snap, '/history')).toMatchObject({ names: snap.historyPoints.slice().sort() });
    expect(resolve(snap, '/history/2026-01-02T00:00:00.000Z')).toEqual({
      kind: 'dir',
      names: ['README.md'],
      mtime: new Date('2026-01-02T00:00:00Z'),
    });
    // Another spelling of the same instant reads the same tree, from the API at that time.
    expect(resolve(snap, '/history/2026-01-02T01:00:00+01:00/README.md')).toMatchObject({
      kind: 'blob',
      size: 4,
      source: { path: 'README.md', at: '2026-01-02T00:00:00.000Z' },
    });
    expect(resolve(snap, '/history/2026-01-05T00:00Z/README.md')).toEqual({
      kind: 'load',
      need: { what: 'tree', at: '2026-01-05T00:00:00.000Z' },
    });
  });

  test('history names must be ISO-8601 times', () => {
    expect(historyKey('2026-01-02T00:00:00Z')).toBe('2026-01-02T00:00:00.000Z');
    expect(historyKey('2026-01-02')).toBeNull();
    expect(historyKey('1')).toBeNull();
    expect(historyKey('2026-13-45T99:00:00Z')).toBeNull();
    // Days a month does not have are not rolled over into the next one.
    expect(historyKey('2026-02-30T00:00:00Z')).toBeNull();
    expect(historyKey('2025-02-29T12:00Z')).toBeNull();
    expect(historyKey('2026-04-31T00:00:00+02:00')).toBeNull();
    expect(historyKey('2024-02-29T23:30:00-01:00')).toBe('2024-03-01T00:30:00.000Z');
  });

  test('/shadows mirrors the current tree with .json files, loaded on demand', () => {
    const snap = snapshot();
    expect(resolve(snap, '/shadows')).toMatchObject({ names: ['README.md.json', 'src'] });
    expect(resolve(snap, '/shadows/src/a.ts.json')).toEqual({
      kind: 'load',
      need: { what: 'shadow', path: 'src/a.ts' },
    });
    const shadow = renderShadow('src/a.ts', [], []);
    snap.shadows.set('src/a.ts', shadow);
    expect(resolve(snap, '/shadows/src/a.ts.json')).toEqual({ kind: 'text', file: shadow });
    expect(resolve(snap, '/shadows/src/a.ts')).toBeNull();
  });

  test('/context lists packages; a package shows its JSON files and its files at creation time', () => {
    const snap = snapshot();
    expect(resolve(snap, '/context')).toMatchObject({ names: ['c1'] });
    expect(resolve(snap, '/context/c1')).toEqual({ kind: 'load', need: { what: 'context', id: 'c1' } });
    expect(resolve(snap, '/context/c2')).toBeNull();
    const pkg = {
      id: 'c1',
      name: 'fix',
      note: 'n',
      agentId: 'ag',
      createdAt: '2026-01-02T12:00:00.000Z',
      files: [{ path: 'src/a.ts', size: 7, sha256: 'x' }],
    };
    const tree = buildTree(pkg.files.map((p) => ({ ...p, mtime: new Date(pkg.createdAt) })));
    snap.packages.set('c1', { pkg, tree, manifest: renderManifest(pkg), context: renderContext(pkg) });
    expect(resolve(snap, '/context/c1')).toMatchObject({ names: ['context.json', 'files', 'manifest.json'] });
    expect(resolve(snap, '/context/c1/files/src/a.ts')).toMatchObject({
      kind: 'blob',
      size: 7,
      source: { path: 'src/a.ts', at: pkg.createdAt },
    });
    const ctx = resolve(snap, '/context/c1/context.json');
    expect(ctx?.kind === 'text' && JSON.parse(ctx.file.bytes.toString())).toEqual({
      id: 'c1',
      name: 'fix',
      note: 'n',
      agentId: 'ag',
      createdAt: pkg.createdAt,
    });
    expect(resolve(snap, '/context/c1/other.json')).toBeNull();
  });

  test('/streams escapes slashes in stream names', () => {
    const snap = snapshot();
    snap.streams.set('file:src/a.ts', appendStream(undefined, []));
    expect(resolve(snap, '/streams')).toMatchObject({ names: ['file:src%2Fa.ts'] });
    expect(resolve(snap, '/streams/file:src%2Fa.ts')).toMatchObject({ kind: 'text' });
    expect(resolve(snap, '/streams/decisions')).toEqual({
      kind: 'load',
      need: { what: 'stream', name: 'decisions' },
    });
    expect(streamName(streamFileName('file:a/b'))).toBe('file:a/b');
  });

  test('/streams names no stream the bridge could not hold', () => {
    const snap = snapshot();
    for (const name of ['no such', 'file:a%252Fb', '.hidden', 'x~', `a${'b'.repeat(200)}`]) {
      expect([name, streamName(name), resolve(snap, `/streams/${name}`)]).toEqual([name, null, null]);
    }
  });
});

describe('render', () => {
  test('stream logs only grow', () => {
    const a = appendStream(undefined, [
      { position: '1.1', type: 'X', at: '2026-01-01T00:00:00Z', data: { n: 1 } },
    ]);
    const b = appendStream(a, [{ position: '1.2', type: 'Y', at: '2026-01-01T00:00:01Z', data: { n: 2 } }]);
    expect(b.bytes.subarray(0, a.bytes.length).equals(a.bytes)).toBe(true);
    expect(b.bytes.toString()).toBe(
      '2026-01-01T00:00:00Z X 1.1 {"n":1}\n2026-01-01T00:00:01Z Y 1.2 {"n":2}\n',
    );
    expect(b.mtime).toEqual(new Date('2026-01-01T00:00:01Z'));
  });

  test('a shadow carries annotations and history; its mtime is the newest of them', () => {
    const s = renderShadow(
      'a',
      [
        {
          id: '1',
          path: 'a',
          text: 't',
          severity: 'info',
          line: 3,
          agentId: 'x',
          at: '2026-01-05T00:00:00Z',
        },
      ],
      [
        {
          version: 1,
          at: '2026-01-04T00:00:00Z',
          kind: 'created',
          size: 1,
          sha256: 'h',
          agentId: 'x',
          sessionId: null,
        },
      ],
    );
    const doc = JSON.parse(s.bytes.toString());
    expect(doc.path).toBe('a');
    expect(doc.annotations).toHaveLength(1);
    expect(doc.history).toHaveLength(1);
    expect(s.mtime).toEqual(new Date('2026-01-05T00:00:00Z'));
  });
});
