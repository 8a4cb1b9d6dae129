// Resident set size of a process, read from /proc (Linux), for benchmarks
// that follow a server's memory over time.
import { readFileSync } from 'node:fs';

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}
