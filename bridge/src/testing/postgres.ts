// A private PostgreSQL server for tests: Debian's server binaries, its own
// cluster in a temp dir, a free loopback port. Never depends on a server left
// running by hand, and never leaves one behind: a server stops when the process
// that started it exits, and one whose owner was killed outright is reaped the
// next time any server starts.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PostgresServer {
  /** Connection URL of the `postgres` maintenance database. */
  url: string;
  port: number;
  dataDir: string;
  stop(): void;
  /** Stops the server (immediate mode by default: no checkpoint, like a crash) and starts it again. */
  restart(mode?: 'fast' | 'immediate'): void;
  kill(mode?: 'fast' | 'immediate'): void;
  start(): void;
}

export interface StartOptions {
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const dir = path.join(root, v, 'bin');
    if (existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries not found under /usr/lib/postgresql: install Debian package "postgresql"',
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const isRoot = process.getuid?.() === 0;

function asPostgres(cmd: string, args: string[]): void {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  }
}

const DIR_PREFIX = 'lighthouse-pg-';
/** Written into the data directory: the pid of the process that owns the server. */
const OWNER_FILE = 'lighthouse-owner.pid';

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function stopAndRemove(dataDir: string): void {
  if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
    try {
      asPostgres(path.join(binDir(), 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already stopped: its postmaster.pid was stale */
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

/** Stops and deletes test servers under `parent` whose owning process is gone; returns their data directories. */
export function reapOrphanedServers(parent = tmpdir()): string[] {
  const reaped: string[] = [];
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dataDir = path.join(parent, name);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // still being created, or not ours
    }
    if (!Number.isInteger(owner) || processAlive(owner)) continue;
    stopAndRemove(dataDir);
    reaped.push(dataDir);
  }
  return reaped;
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const bin = binDir();
  reapOrphanedServers();
  const dataDir = mkdtempSync(path.join(tmpdir(), DIR_PREFIX));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dataDir, uid, gid);
  }
  const port = await freePort();
  asPostgres(path.join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const settings = { listen_addresses: '127.0.0.1', max_connections: '200', ...options.settings };
  const opts = [`-p ${port}`, `-k ${dataDir}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)];
  const pgCtl = path.join(bin, 'pg_ctl');
  const start = () =>
    asPostgres(pgCtl, [
      '-D',
      dataDir,
      '-o',
      opts.join(' '),
      '-l',
      path.join(dataDir, 'server.log'),
      '-w',
      'start',
    ]);
  const kill = (mode: 'fast' | 'immediate' = 'fast') =>
    asPostgres(pgCtl, ['-D', dataDir, '-m', mode, '-w', 'stop']);
  writeFileSync(path.join(dataDir, OWNER_FILE), String(process.pid));
  const onExit = () => stopAndRemove(dataDir);
  process.once('exit', onExit);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    kill,
    restart(mode = 'immediate') {
      kill(mode);
      start();
    },
    stop() {
      process.removeListener('exit', onExit);
      try {
        kill('fast');
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A throwaway database on the server at `serverUrl` (default: the one jest's global setup started). */
export async function createTestDatabase(
  serverUrl = process.env.LIGHTHOUSE_TEST_PG_URL,
): Promise<TestDatabase> {
  if (!serverUrl)
    throw new Error(
      'LIGHTHOUSE_TEST_PG_URL is not set: run tests through jest (its global setup starts PostgreSQL)',
    );
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
