// CPU time of processes, read from /proc (Linux), for benchmarks that say where
// a request's time goes: the server, its database, the load generator.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// /proc/<pid>/stat counts in USER_HZ, which is 100 on Linux.
const MICROS_PER_TICK = 10_000;

interface Stat {
  ppid: number;
  /** utime + stime, and cutime + cstime (children that exited and were waited for). */
  own: number;
  children: number;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  // Fields after "(comm)", which may itself hold spaces: state ppid … utime(14) stime cutime cstime.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(f[1]),
    own: (Number(f[11]) + Number(f[12])) * MICROS_PER_TICK,
    children: (Number(f[13]) + Number(f[14])) * MICROS_PER_TICK,
  };
}

/** User + system CPU time of one process so far, µs. */
export function cpuMicros(pid: number): number {
  const s = stat(pid);
  if (!s) throw new Error(`no process ${pid}`);
  return s.own;
}

/**
 * CPU time so far of a PostgreSQL server (its postmaster, live backends and
 * auxiliary processes, and the ones that exited), µs.
 */
export function postgresCpuMicros(dataDir: string): number {
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const main = stat(postmaster);
  if (!main) throw new Error(`PostgreSQL in ${dataDir} is not running`);
  let total = main.own + main.children;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s?.ppid === postmaster) total += s.own;
  }
  return total;
}

/** CPU time per unit of work, µs: a server, its PostgreSQL server (when given), and this process. */
export interface CpuPerUnit {
  server: number;
  database?: number;
  client: number;
}

/** Starts counting now; the function returned divides what each spent since by `units`. */
export function startCpuMeter(serverPid: number, postgresDataDir?: string): (units: number) => CpuPerUnit {
  const database = () => (postgresDataDir ? postgresCpuMicros(postgresDataDir) : 0);
  const before = { server: cpuMicros(serverPid), database: database(), client: process.cpuUsage() };
  return (units) => {
    const per = (micros: number) => Math.round(micros / Math.max(1, units));
    const client = process.cpuUsage(before.client);
    return {
      server: per(cpuMicros(serverPid) - before.server),
      ...(postgresDataDir ? { database: per(database() - before.database) } : {}),
      client: per(client.user + client.system),
    };
  };
}
