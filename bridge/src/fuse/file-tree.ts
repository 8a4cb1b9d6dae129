// Builds the directory index of a flat list of files, and keeps it in step
// with single-file changes (the SSE feed applies one event at a time).
import type { DirEntry, FileMeta, FileTree } from './model.js';

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function touchDirs(dirs: Map<string, DirEntry>, file: FileMeta): void {
  let child = file.path;
  for (;;) {
    const dir = parentOf(child);
    let entry = dirs.get(dir);
    if (!entry) {
      entry = { names: new Set(), mtime: file.mtime };
      dirs.set(dir, entry);
    }
    entry.names.add(baseOf(child));
    if (file.mtime > entry.mtime) entry.mtime = file.mtime;
    if (dir === '') return;
    child = dir;
  }
}

export function buildTree(files: Iterable<FileMeta>): FileTree {
  const tree: FileTree = {
    files: new Map(),
    dirs: new Map([['', { names: new Set(), mtime: new Date(0) }]]),
  };
  for (const f of files) putFile(tree, f);
  return tree;
}

export function putFile(tree: FileTree, file: FileMeta): void {
  tree.files.set(file.path, file);
  touchDirs(tree.dirs, file);
}

/** Removes a file and any directories left empty; the parent's mtime becomes `at`. */
export function removeFile(tree: FileTree, path: string, at: Date): void {
  if (!tree.files.delete(path)) return;
  let child = path;
  while (child !== '') {
    const dir = parentOf(child);
    const entry = tree.dirs.get(dir);
    if (!entry) return;
    entry.names.delete(baseOf(child));
    if (at > entry.mtime) entry.mtime = at;
    if (entry.names.size > 0 || dir === '') return;
    tree.dirs.delete(dir);
    child = dir;
  }
}
