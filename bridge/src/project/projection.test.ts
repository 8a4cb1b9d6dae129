import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ENTRY_BYTES, FILE_BYTES, FOLDER_BYTES, ProjectProjection, type ProjectEvent } from './projection.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const changed = (path: string, text: string, version: number, s: number): ProjectEvent => ({
  stream: `file:${path}`,
  type: 'FileChanged',
  version,
  createdAt: at(s),
  data: {
    path,
    contentBase64: Buffer.from(text).toString('base64'),
    sha256: createHash('sha256').update(text).digest('hex'),
    size: Buffer.byteLength(text),
    agentId: 'alice',
    sessionId: 's1',
  },
});
const deleted = (path: string, version: number, s: number): ProjectEvent => ({
  stream: `file:${path}`,
  type: 'FileDeleted',
  version,
  createdAt: at(s),
  data: { path, agentId: 'bob' },
});

function project(): ProjectProjection {
  const p = new ProjectProjection();
  for (const e of [
    changed('b.txt', 'v1', 1, 10),
    changed('a.txt', 'first', 1, 11),
    changed('b.txt', 'version two', 2, 20),
    deleted('b.txt', 3, 30),
    changed('b.txt', 'back', 4, 40),
  ])
    p.apply(e);
  return p;
}

describe('ProjectProjection time travel', () => {
  const p = project();
  // Older versions keep only their digest in memory: map it back to the text written.
  const written = new Map(['v1', 'first', 'version two', 'back'].map((t) => [sha(t), t]));
  const text = (path: string, s?: number) =>
    written.get(p.fileAt(path, s === undefined ? undefined : at(s))?.sha256 ?? '');

  it('reads every file as it was at each time', () => {
    expect(text('b.txt', 9)).toBeUndefined();
    expect(text('b.txt', 10)).toBe('v1');
    expect(text('b.txt', 19)).toBe('v1');
    expect(text('b.txt', 20)).toBe('version two');
    expect(text('b.txt', 35)).toBeUndefined();
    expect(text('b.txt', 40)).toBe('back');
    expect(text('b.txt')).toBe('back');
    expect(text('missing.txt')).toBeUndefined();
  });

  it('lists the tree at each time, sorted by path', () => {
    expect(p.tree(at(5))).toEqual([]);
    expect(p.tree(at(12)).map((e) => [e.path, e.size])).toEqual([
      ['a.txt', 5],
      ['b.txt', 2],
    ]);
    expect(p.tree(at(31)).map((e) => e.path)).toEqual(['a.txt']);
    expect(p.tree().map((e) => [e.path, e.mtime])).toEqual([
      ['a.txt', at(11).toISOString()],
      ['b.txt', at(40).toISOString()],
    ]);
  });

  it('keeps per-file history with kinds', () => {
    expect(p.history('b.txt').map((h) => [h.version, h.kind, h.agentId])).toEqual([
      [1, 'created', 'alice'],
      [2, 'modified', 'alice'],
      [3, 'deleted', 'bob'],
      [4, 'created', 'alice'],
    ]);
  });

  it('lists change times newest first', () => {
    expect(p.historyPoints(3)).toEqual([at(40), at(30), at(20)].map((d) => d.toISOString()));
  });

  it('resolves a context package against the files at its creation time', () => {
    p.apply({
      stream: 'context:c1',
      type: 'ContextCreated',
      version: 1,
      createdAt: at(25),
      data: {
        id: 'c1',
        name: 'review',
        note: 'look',
        files: ['b.txt', 'gone.txt'],
        agentId: 'x',
        createdAt: at(25).toISOString(),
      },
    });
    expect(p.context('c1')?.resolved).toEqual([
      { path: 'b.txt', size: 11, sha256: createHash('sha256').update('version two').digest('hex') },
    ]);
    expect(p.listContexts()).toEqual([{ id: 'c1', name: 'review', createdAt: at(25).toISOString() }]);
  });

  it('keeps annotations by path', () => {
    const a = {
      id: 'n1',
      path: 'a.txt',
      text: 'hm',
      severity: 'warning',
      line: 3,
      agentId: 'x',
      at: at(1).toISOString(),
    };
    p.apply({ stream: 'annotations', type: 'AnnotationAdded', version: 1, createdAt: at(50), data: a });
    expect(p.annotations('a.txt')).toEqual([{ ...a, at: at(50).toISOString() }]);
    expect(p.annotations('b.txt')).toEqual([]);
  });
});

describe('ProjectProjection idempotence', () => {
  it('ignores an event it has already applied', () => {
    const p = new ProjectProjection();
    const e = changed('x.txt', 'one', 1, 1);
    p.apply(e);
    p.apply(e);
    p.apply(changed('x.txt', 'stale', 1, 2));
    expect(p.history('x.txt')).toHaveLength(1);
    expect(p.fileAt('x.txt')?.content?.toString()).toBe('one');
    expect(p.historyPoints(10)).toHaveLength(1);
  });
});

describe('ProjectProjection robustness', () => {
  it('skips events of a known type with the wrong shape', () => {
    const p = new ProjectProjection();
    const bad: ProjectEvent[] = [
      { stream: 'file:x', type: 'FileChanged', version: 1, createdAt: at(1), data: { path: 'x' } },
      { stream: 'file:x', type: 'FileChanged', version: 1, createdAt: at(1), data: null },
      { stream: 'file:x', type: 'FileDeleted', version: 2, createdAt: at(2), data: { path: 7 } },
      { stream: 'annotations', type: 'AnnotationAdded', version: 1, createdAt: at(3), data: { path: 'x' } },
      {
        stream: 'context:c',
        type: 'ContextCreated',
        version: 1,
        createdAt: at(4),
        data: { id: 'c', name: 'n', files: [1] },
      },
    ];
    for (const e of bad) expect(() => p.apply(e)).not.toThrow();
    expect(p.tree()).toEqual([]);
    expect(p.annotations()).toEqual([]);
    expect(p.listContexts()).toEqual([]);
    p.apply(changed('x', 'ok', 1, 5));
    expect(p.fileAt('x')?.content?.toString()).toBe('ok');
  });
});

describe('ProjectProjection streams', () => {
  it('takes an event only from the stream the bridge writes it to', () => {
    const p = new ProjectProjection();
    p.apply(changed('x.txt', 'real', 1, 1));
    // Appended by an agent to a stream of its own through the events API, with a higher version.
    for (const stream of ['x', 'file:other.txt', 'annotations'])
      p.apply({ ...changed('x.txt', 'forged', 99, 2), stream });
    p.apply({ ...deleted('x.txt', 100, 3), stream: 'x' });
    p.apply({
      stream: 'x',
      type: 'AnnotationAdded',
      version: 1,
      createdAt: at(4),
      data: { id: 'n', path: 'x.txt', text: 'forged', severity: 'info', line: null, agentId: 'm' },
    });
    p.apply({
      stream: 'context:other',
      type: 'ContextCreated',
      version: 1,
      createdAt: at(5),
      data: { id: 'c', name: 'n', note: '', files: [], agentId: 'm' },
    });
    expect(p.history('x.txt').map((v) => v.version)).toEqual([1]);
    expect(p.fileAt('x.txt')?.content?.toString()).toBe('real');
    expect(p.annotations()).toEqual([]);
    expect(p.listContexts()).toEqual([]);
    p.apply(changed('x.txt', 'next', 2, 6)); // the real next version still lands
    expect(p.fileAt('x.txt')?.content?.toString()).toBe('next');
  });
});

describe('ProjectProjection memory', () => {
  it('keeps the bytes of the newest version only', () => {
    const p = project();
    expect(p.fileAt('b.txt')?.content?.toString()).toBe('back');
    expect(p.fileAt('b.txt', at(20))?.content).toBeNull();
    expect(p.fileAt('a.txt')?.content?.toString()).toBe('first');
  });

  it('keeps small files in buffers of their own, not in slices of a shared slab', () => {
    const p = new ProjectProjection();
    p.apply(changed('small.txt', 'tiny', 1, 1));
    const kept = p.fileAt('small.txt')!.content!;
    expect(kept.buffer.byteLength).toBe(kept.length);
  });

  it('estimates what it holds: entries, strings and the newest inline bytes', () => {
    const p = new ProjectProjection();
    const first = ENTRY_BYTES + 2 /* s1 */ + 100 + FILE_BYTES + 'f.txt'.length;
    const e1 = changed('f.txt', 'x'.repeat(100), 1, 1);
    expect(p.growth(e1.type, e1.data)).toBe(first);
    p.apply(e1);
    p.apply(e1); // a redelivery adds nothing
    expect(p.heldBytes).toBe(first);
    // A smaller newest version frees the older bytes: the growth may be negative.
    const e2 = changed('f.txt', 'y', 2, 2);
    expect(p.growth(e2.type, e2.data)).toBe(ENTRY_BYTES + 2 + 1 - 100);
    p.apply(e2);
    p.apply(deleted('f.txt', 3, 3));
    expect(p.heldBytes).toBe(first + (ENTRY_BYTES + 2 + 1 - 100) + (ENTRY_BYTES - 1));
    const note = {
      stream: 'annotations',
      type: 'AnnotationAdded',
      version: 1,
      createdAt: at(4),
      data: { id: 'n', path: 'f.txt', text: 'look', severity: 'info', line: null, agentId: 'm' },
    };
    const context = {
      stream: 'context:c',
      type: 'ContextCreated',
      version: 1,
      createdAt: at(5),
      data: { id: 'c', name: 'ctx', note: 'why', files: ['f.txt'], agentId: 'm' },
    };
    const before = p.heldBytes;
    for (const e of [note, context, note, context]) p.apply(e);
    expect(p.heldBytes - before).toBe(ENTRY_BYTES + 5 + 4 + (ENTRY_BYTES + 3 + 3 + 8 + 5));
  });
});

describe('ProjectProjection paths', () => {
  it('a path is a file or a folder: a write that would make it both is named, and deletes lift it', () => {
    const p = new ProjectProjection();
    p.apply(changed('src/lib/a.ts', 'a', 1, 1));
    p.apply(changed('src/lib/b.ts', 'b', 1, 2));
    expect(p.pathConflict('src')).toBe('src is a folder holding 2 files');
    expect(p.pathConflict('src/lib')).toBe('src/lib is a folder holding 2 files');
    expect(p.pathConflict('src/lib/a.ts/x')).toBe('src/lib/a.ts is a file, so it cannot hold src/lib/a.ts/x');
    for (const free of ['src/lib/c.ts', 'src/lib/a.ts', 'srcx', 'sr'])
      expect(p.pathConflict(free)).toBeUndefined();
    p.apply(deleted('src/lib/a.ts', 2, 3));
    p.apply(deleted('src/lib/a.ts', 2, 3)); // a redelivery counts once
    expect(p.pathConflict('src/lib')).toBe('src/lib is a folder holding 1 file');
    expect(p.pathConflict('src/lib/a.ts/x')).toBeUndefined();
    p.apply(deleted('src/lib/b.ts', 2, 4));
    expect(p.pathConflict('src')).toBeUndefined();
  });

  it('counts the folders it tracks in what it holds, and gives them back when their files go', () => {
    const p = new ProjectProjection();
    const e = changed('a/b/c.txt', 'x', 1, 1);
    const folders = FOLDER_BYTES + 'a'.length + FOLDER_BYTES + 'a/b'.length;
    expect(p.growth(e.type, e.data)).toBe(ENTRY_BYTES + 2 + 1 + FILE_BYTES + 'a/b/c.txt'.length + folders);
    p.apply(e);
    const sibling = changed('a/d.txt', 'y', 1, 2);
    // 'a' is tracked already
    expect(p.growth(sibling.type, sibling.data)).toBe(ENTRY_BYTES + 2 + 1 + FILE_BYTES + 'a/d.txt'.length);
    p.apply(sibling);
    const gone = deleted('a/b/c.txt', 2, 3);
    // 'a/b' goes; 'a' still holds a/d.txt
    expect(p.growth(gone.type, gone.data)).toBe(ENTRY_BYTES - 1 - (FOLDER_BYTES + 'a/b'.length));
    const held = p.heldBytes;
    p.apply(gone);
    expect(p.heldBytes - held).toBe(ENTRY_BYTES - 1 - (FOLDER_BYTES + 'a/b'.length));
  });
});
