// The mount's life cycle: clear a stale mount left by a crash, mount
// read-only, report readiness, and unmount on SIGTERM/SIGINT (fusermount -u,
// then the lazy -uz when something still holds the mount).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import Fuse, { type Operations } from 'fuse-native';
import { OP_TIMEOUT_MS } from './operations.js';

const run = promisify(execFile);

export class MountError extends Error {
  override name = 'MountError';
}

/** A FUSE mount whose server died answers ENOTCONN (or ENXIO after an abort). */
function isStale(dir: string): boolean {
  try {
    statSync(dir);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOTCONN' || code === 'ENXIO' || code === 'ECONNABORTED';
  }
}

export async function fusermount(args: string[], dir: string): Promise<void> {
  await run('fusermount', [...args, dir]);
}

/** Clears a mount left behind by a crashed sidecar; returns whether there was one. */
export async function clearStaleMount(dir: string): Promise<boolean> {
  if (!isStale(dir)) return false;
  await fusermount(['-uz'], dir);
  if (isStale(dir)) throw new MountError(`stale mount at ${dir} could not be cleared`);
  return true;
}

export function checkFuseDevice(): void {
  if (!existsSync('/dev/fuse')) {
    throw new MountError('/dev/fuse is missing: FUSE needs the fuse kernel module (a privileged container)');
  }
}

export interface Mounted {
  dir: string;
  unmount(): Promise<'clean' | 'lazy'>;
}

/**
 * Options fuse-native has no setting for (it skips `attr_timeout=0` as falsy):
 * its fsname value is passed to `-o` as is, so a comma adds them. The kernel
 * keeps pages and sizes per path, not per open handle, so a file that changes
 * could otherwise be read as a mix of two versions or cut at an older size.
 */
const MOUNT_OPTIONS = [
  'ro', // the kernel refuses writes too
  'direct_io', // no page cache: every read gets the bytes its handle fixed at open
  'attr_timeout=0', // stat asks the sidecar: a reader sizing its read by fstat gets the current size
];

/** Mounts `ops` at `dir` (created when missing) read-only. */
export async function mount(dir: string, ops: Operations): Promise<Mounted> {
  checkFuseDevice();
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const fuse = new Fuse(dir, ops, {
    fsname: ['lighthouse', ...MOUNT_OPTIONS].join(','),
    subtype: 'lighthouse',
    timeout: OP_TIMEOUT_MS,
  });
  await new Promise<void>((resolve, reject) =>
    fuse.mount((err) => (err ? reject(new MountError(`mount at ${dir} failed: ${err.message}`)) : resolve())),
  );
  let unmounted: Promise<'clean' | 'lazy'> | undefined;
  return {
    dir: fuse.mnt,
    unmount() {
      unmounted ??= (async () => {
        try {
          await fusermount(['-u'], fuse.mnt);
          return 'clean' as const;
        } catch {
          // Busy (a reader holds a file open): detach now, the kernel finishes when it closes.
          await fusermount(['-uz'], fuse.mnt);
          return 'lazy' as const;
        }
      })();
      return unmounted;
    },
  };
}
