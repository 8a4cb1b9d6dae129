// The fuse-native handlers: answers from the cache, never blocks the main
// thread on the mount itself, and refuses every write-type operation with EROFS.
import type { Operations, Stat, Statfs } from 'fuse-native';
import { NotLoadedError, type ProjectCache, type Resolved } from './cache.js';
import { readText, textSize, type ReadableText } from './model.js';

// Linux errno values, negated as fuse-native expects.
export const ENOENT = -2;
export const EIO = -5;
export const EAGAIN = -11;
export const EBADF = -9;
export const EACCES = -13;
export const ENOTDIR = -20;
export const EISDIR = -21;
export const EROFS = -30;

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
// access(2)'s mode bits.
const W_OK = 2;
const X_OK = 1;
// O_ACCMODE bits of open(2)'s flags: anything but O_RDONLY writes.
const O_ACCMODE = 3;

export interface Owner {
  uid: number;
  gid: number;
}

export interface OperationsLog {
  warn(message: string, meta: Record<string, unknown>): void;
}

export function statOf(node: Resolved, owner: Owner): Stat {
  const isDir = node.kind === 'dir';
  const size = node.kind === 'dir' ? 4096 : node.kind === 'blob' ? node.size : textSize(node.file);
  const mtime = node.kind === 'text' ? node.file.mtime : node.mtime;
  return {
    mode: isDir ? S_IFDIR | 0o555 : S_IFREG | 0o444,
    uid: owner.uid,
    gid: owner.gid,
    size,
    nlink: isDir ? 2 : 1,
    mtime,
    atime: mtime,
    ctime: mtime,
    blksize: 4096,
    blocks: Math.ceil(size / 512),
  };
}

/**
 * What an open file handle reads: project files are fixed at open so one
 * reader never sees a mix of versions; stream logs only grow, so a handle on
 * one reads the latest log (`tail -f` keeps its handle and reads on).
 */
type Handle = { file: ReadableText } | { stream: () => ReadableText; release: () => void };

class OpenFiles {
  private next = 1;
  private readonly files = new Map<number, Handle>();
  add(handle: Handle): number {
    const fd = this.next++;
    this.files.set(fd, handle);
    return fd;
  }
  /** What the handle reads now: its fixed bytes, or the stream log as it is. */
  file(fd: number): ReadableText | undefined {
    const h = this.files.get(fd);
    if (h === undefined) return undefined;
    return 'file' in h ? h.file : h.stream();
  }
  delete(fd: number): void {
    const h = this.files.get(fd);
    if (h && 'release' in h) h.release();
    this.files.delete(fd);
  }
}

/**
 * How long fuse-native waits for a handler before it answers ETIMEDOUT itself
 * (mount.ts sets it); a later answer is dropped.
 */
export const OP_TIMEOUT_MS = 30_000;

export function createOperations(
  cache: ProjectCache,
  owner: Owner,
  log: OperationsLog,
  opTimeoutMs = OP_TIMEOUT_MS,
): Operations {
  const open = new OpenFiles();
  const failed = (op: string, path: string, err: unknown): number => {
    // Until the first load from the bridge, readers are told to try again, not that files are missing.
    if (err instanceof NotLoadedError) return EAGAIN;
    log.warn('fuse operation failed', { op, path, err: err instanceof Error ? err.message : String(err) });
    return EIO;
  };
  const refuse = (...args: unknown[]) => {
    const cb = args.at(-1) as (err: number) => void;
    cb(EROFS);
  };

  return {
    getattr(path, cb) {
      cache.lookup(path).then(
        (node) => (node ? cb(0, statOf(node, owner)) : cb(ENOENT)),
        (err) => cb(failed('getattr', path, err)),
      );
    },
    readdir(path, cb) {
      cache.lookup(path).then(
        (node) => {
          if (!node) return cb(ENOENT);
          if (node.kind !== 'dir') return cb(ENOTDIR);
          cb(0, ['.', '..', ...node.names]);
        },
        (err) => cb(failed('readdir', path, err)),
      );
    },
    access(path, mode, cb) {
      if (mode & W_OK) return cb(EROFS);
      cache.lookup(path).then(
        // Files are 0444: none may be executed (directories, 0555, may be searched).
        (node) => cb(!node ? ENOENT : mode & X_OK && node.kind !== 'dir' ? EACCES : 0),
        (err) => cb(failed('access', path, err)),
      );
    },
    open(path, flags, cb) {
      if ((flags & O_ACCMODE) !== 0) return cb(EROFS);
      const deadline = performance.now() + opTimeoutMs;
      // Past fuse-native's timeout the kernel has had ETIMEDOUT and will never release
      // a handle given now: giving none keeps it (and a held stream log) from leaking.
      const answer = (handle: Handle) => {
        if (performance.now() < deadline) return cb(0, open.add(handle));
        if ('release' in handle) handle.release();
        log.warn('fuse open answered after the kernel gave up', { path, ms: opTimeoutMs });
        cb(EIO);
      };
      cache
        .lookup(path)
        .then(async (node) => {
          if (!node) return cb(ENOENT);
          if (node.kind === 'dir') return cb(EISDIR);
          const stream = cache.streamOf(path);
          if (stream !== undefined && node.kind === 'text') {
            // Held from here on; were it evicted just before, the log as looked up stands in until fetched again.
            const release = cache.holdStream(stream);
            return answer({ stream: () => cache.snapshot.streams.get(stream) ?? node.file, release });
          }
          const bytes = await cache.bytes(node);
          if (!bytes) return cb(ENOENT);
          answer({ file: { bytes } });
        })
        .catch((err: unknown) => cb(failed('open', path, err)));
    },
    read(_path, fd, buf, len, pos, cb) {
      const file = open.file(fd);
      if (!file) return cb(EBADF);
      cb(readText(file, buf, len, pos));
    },
    release(_path, fd, cb) {
      open.delete(fd);
      cb(0);
    },
    statfs(_path, cb) {
      const snap = cache.snapshot;
      const statfs: Statfs = {
        bsize: 4096,
        frsize: 4096,
        blocks: Math.ceil([...snap.current.files.values()].reduce((n, f) => n + f.size, 0) / 4096),
        bfree: 0,
        bavail: 0,
        files: snap.current.files.size,
        ffree: 0,
        favail: 0,
        fsid: 0,
        flag: 1 /* ST_RDONLY */,
        namemax: 255,
      };
      cb(0, statfs);
    },
    write: (_p, _fd, _b, _l, _pos, cb) => cb(EROFS),
    create: refuse,
    mknod: refuse,
    mkdir: refuse,
    unlink: refuse,
    rmdir: refuse,
    rename: refuse,
    link: refuse,
    symlink: refuse,
    truncate: refuse,
    ftruncate: refuse,
    chmod: refuse,
    chown: refuse,
    utimens: refuse,
    setxattr: refuse,
    removexattr: refuse,
  };
}
