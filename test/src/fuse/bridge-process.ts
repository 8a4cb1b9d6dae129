// Test support: a real bridge process (`lighthouse serve`) on a free port,
// on a PostgreSQL database (url given) or on the embedded store in a temp dir,
// with a master key made for this run and a credential file for the sidecar.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { issueCredential } from '@lighthouse/bridge/auth/credentials.js';
import { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { freePort, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { cleanUp, stopChild } from '../processes/child.js';
import {
  forceUnmount,
  NODE,
  REPO,
  spawnMount,
  tempDir,
  waitFor,
  type MountProcess,
} from './mount-process.js';

const CLI = path.join(REPO, 'bridge/bin/lighthouse.js');

export interface BridgeProcess {
  url: string;
  client: BridgeClient;
  credentialFile: string;
  work: string;
  readonly child: ChildProcess;
  output(): string;
  masterKey: string;
  /** Stops the bridge process (SIGTERM); `start` brings it back on the same port and store. */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** Starts `lighthouse fuse` against this bridge; `stop` stops it too. */
  mount(dir: string, extra?: string[], env?: NodeJS.ProcessEnv): Promise<MountProcess>;
  /** Stops the sidecars it started (unmounting their directories), then the bridge. */
  stop(): Promise<void>;
}

export async function startBridge(
  databaseUrl?: string,
  masterKey?: string,
  readyTimeoutMs = 90_000,
): Promise<BridgeProcess> {
  const work = tempDir('lh-bridge-');
  const master = masterKey ?? randomBytes(32).toString('hex');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Open event streams count as in-flight requests: a restart should not wait 10 s for them.
    SHUTDOWN_TIMEOUT_MS: '500',
    LIGHTHOUSE_MASTER_KEY: master,
    LIGHTHOUSE_DATA_DIR: path.join(work, 'data'),
  };
  if (databaseUrl) env.LIGHTHOUSE_DATABASE_URL = databaseUrl;
  else delete env.LIGHTHOUSE_DATABASE_URL;
  let out = '';
  let child!: ChildProcess;
  let exited = false;
  let exit!: Promise<void>;
  const launch = async () => {
    child = spawn(NODE, [CLI, 'serve'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    exited = false;
    exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
    try {
      await waitFor(
        'the bridge to be ready',
        async () => {
          if (exited) throw new Error(`bridge exited:\n${out}`);
          const res = await fetch(`${url}/readyz`).catch(() => undefined);
          return res?.status === 200 ? true : undefined;
        },
        readyTimeoutMs,
      );
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  };
  const halt = async () => {
    await stopChild(child, exit, { what: 'the bridge', output: () => out });
  };
  await launch();
  const sidecars: MountProcess[] = [];
  const credential = issueCredential(Buffer.from(master, 'utf8'), 'fuse-sidecar');
  const credentialFile = path.join(work, 'credential');
  writeFileSync(credentialFile, `${credential}\n`, { mode: 0o600 });
  return {
    url,
    client: new BridgeClient({ url, credential: issueCredential(Buffer.from(master, 'utf8'), 'writer') }),
    credentialFile,
    work,
    get child() {
      return child;
    },
    output: () => out,
    masterKey: master,
    halt,
    start: launch,
    async mount(dir, extra = [], env = process.env) {
      const readyFile = path.join(work, `ready-${path.basename(dir)}`);
      rmSync(readyFile, { force: true });
      const sidecar = await spawnMount(
        [
          CLI,
          'fuse',
          '--mount',
          dir,
          '--bridge',
          url,
          '--credential',
          credentialFile,
          '--ready-file',
          readyFile,
          ...extra,
        ],
        dir,
        readyFile,
        env,
      );
      sidecars.push(sidecar);
      return sidecar;
    },
    stop: () =>
      cleanUp(...sidecars.flatMap((s) => [() => s.stop(), () => forceUnmount(s.dir)]), halt, () =>
        rmSync(work, { recursive: true, force: true }),
      ),
  };
}

/** A test file's afterAll: its bridge (and the bridge's sidecars), its database, its scratch directory. */
export function tearDown(
  bridge: BridgeProcess | undefined,
  db: TestDatabase | undefined,
  work: string,
): Promise<void> {
  return cleanUp(
    () => bridge?.stop(),
    () => db?.drop(),
    () => rmSync(work, { recursive: true, force: true }),
  );
}
