// PGlite has no postmaster to stop a second process opening the same data
// directory, and two writers would corrupt it. A pid file inside the directory
// refuses the second opener while the first is alive; a stale one (its process
// gone, e.g. after SIGKILL) is taken over.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';

const LOCK_FILE = 'lighthouse.lock';
const held = new Set<string>();

// Linux start time of a process (clock ticks since boot), so that a pid reused by an
// unrelated process, e.g. after a container restart, does not look like the owner.
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return started === undefined || startTime(pid) === started;
}

/** Takes the lock on `dataDir` (creating the directory); returns the function that releases it. */
export function lockDataDir(dataDir: string): () => void {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  if (held.has(dir)) throw new Error(`data directory ${dir} is already open in this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid} ${startTime(process.pid) ?? ''}`.trim());
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const [pidText, started] = readFileSync(file, 'utf8').trim().split(' ');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid, started)) {
        throw new Error(`data directory ${dir} is in use by process ${pid}`);
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  held.add(dir);
  return () => {
    held.delete(dir);
    rmSync(file, { force: true });
  };
}
