// The part of fuse-native 2.2.6 (CommonJS, untyped) the sidecar uses; see its index.js.
declare module 'fuse-native' {
  export interface Stat {
    mode: number;
    uid: number;
    gid: number;
    size: number;
    nlink?: number;
    mtime: Date;
    atime: Date;
    ctime: Date;
    ino?: number;
    blksize?: number;
    blocks?: number;
  }
  export interface Statfs {
    bsize: number;
    frsize: number;
    blocks: number;
    bfree: number;
    bavail: number;
    files: number;
    ffree: number;
    favail: number;
    fsid: number;
    flag: number;
    namemax: number;
  }
  type Done = (err: number) => void;
  export interface Operations {
    init?(cb: Done): void;
    getattr?(path: string, cb: (err: number, stat?: Stat) => void): void;
    readdir?(path: string, cb: (err: number, names?: string[]) => void): void;
    open?(path: string, flags: number, cb: (err: number, fd?: number) => void): void;
    opendir?(path: string, flags: number, cb: (err: number, fd?: number) => void): void;
    release?(path: string, fd: number, cb: Done): void;
    releasedir?(path: string, fd: number, cb: Done): void;
    /** cb(bytesRead) or cb(negative errno). */
    read?(
      path: string,
      fd: number,
      buf: Buffer,
      len: number,
      pos: number,
      cb: (result: number) => void,
    ): void;
    write?(
      path: string,
      fd: number,
      buf: Buffer,
      len: number,
      pos: number,
      cb: (result: number) => void,
    ): void;
    statfs?(path: string, cb: (err: number, statfs?: Statfs) => void): void;
    access?(path: string, mode: number, cb: Done): void;
    create?(path: string, mode: number, cb: (err: number, fd?: number) => void): void;
    mknod?(path: string, mode: number, dev: number, cb: Done): void;
    mkdir?(path: string, mode: number, cb: Done): void;
    unlink?(path: string, cb: Done): void;
    rmdir?(path: string, cb: Done): void;
    rename?(src: string, dest: string, cb: Done): void;
    link?(src: string, dest: string, cb: Done): void;
    symlink?(src: string, dest: string, cb: Done): void;
    truncate?(path: string, size: number, cb: Done): void;
    ftruncate?(path: string, fd: number, size: number, cb: Done): void;
    chmod?(path: string, mode: number, cb: Done): void;
    chown?(path: string, uid: number, gid: number, cb: Done): void;
    utimens?(path: string, atime: number, mtime: number, cb: Done): void;
    setxattr?(path: string, name: string, value: Buffer, position: number, flags: number, cb: Done): void;
    removexattr?(path: string, name: string, cb: Done): void;
  }
  export interface FuseOptions {
    force?: boolean;
    mkdir?: boolean;
    fsname?: string;
    subtype?: string;
    allowOther?: boolean;
    attrTimeout?: number;
    entryTimeout?: number;
    timeout?: number | false;
  }
  export default class Fuse {
    constructor(mnt: string, ops: Operations, opts?: FuseOptions);
    readonly mnt: string;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    static unmount(mnt: string, cb: (err: Error | null) => void): void;
    static ENOENT: number;
    static EROFS: number;
    static EIO: number;
    static EBADF: number;
    static EISDIR: number;
    static ENOTDIR: number;
    static EACCES: number;
  }
}
