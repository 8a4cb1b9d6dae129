import { describe, expect, test } from '@jest/globals';
import { buildTree, putFile, removeFile } from './file-tree.js';

const f = (path: string, t: number) => ({ path, size: t, sha256: `h${t}`, mtime: new Date(t * 1000) });

describe('file tree', () => {
  test('builds directories implied by file paths, with the newest mtime below each', () => {
    const tree = buildTree([f('a.txt', 1), f('src/x.ts', 5), f('src/lib/y.ts', 3)]);
    expect([...tree.dirs.keys()].sort()).toEqual(['', 'src', 'src/lib']);
    expect([...tree.dirs.get('')!.names].sort()).toEqual(['a.txt', 'src']);
    expect([...tree.dirs.get('src')!.names].sort()).toEqual(['lib', 'x.ts']);
    expect(tree.dirs.get('src')!.mtime).toEqual(new Date(5000));
    expect(tree.dirs.get('src/lib')!.mtime).toEqual(new Date(3000));
  });

  test('removing the last file of a directory removes the directory', () => {
    const tree = buildTree([f('a.txt', 1), f('src/lib/y.ts', 3)]);
    removeFile(tree, 'src/lib/y.ts', new Date(9000));
    expect([...tree.dirs.keys()]).toEqual(['']);
    expect([...tree.dirs.get('')!.names]).toEqual(['a.txt']);
    expect(tree.dirs.get('')!.mtime).toEqual(new Date(9000));
  });

  test('removing an unknown file changes nothing', () => {
    const tree = buildTree([f('a.txt', 1)]);
    removeFile(tree, 'b.txt', new Date(9000));
    expect(tree.dirs.get('')!.mtime).toEqual(new Date(1000));
    expect(tree.files.size).toBe(1);
  });

  test('replacing a file keeps one entry', () => {
    const tree = buildTree([f('a.txt', 1)]);
    putFile(tree, f('a.txt', 2));
    expect(tree.files.get('a.txt')!.size).toBe(2);
    expect([...tree.dirs.get('')!.names]).toEqual(['a.txt']);
  });
});
