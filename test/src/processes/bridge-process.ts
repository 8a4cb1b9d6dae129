// A bridge as its own process (`lighthouse serve`), for faults that need a
// real SIGKILL or a bridge to outlive a test's PostgreSQL connection.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@lighthouse/bridge/testing/postgres.js';
import { stopChild } from './child.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge', 'bin', 'lighthouse.js');

export interface BridgeProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit signal or code. */
  exited: Promise<NodeJS.Signals | number | null>;
  stop(): Promise<void>;
}

/** `lighthouse serve` on `databaseUrl`; env adds settings (e.g. LIGHTHOUSE_DATA_DIR), `listen` picks the address. */
export async function startBridgeProcess(
  databaseUrl: string | undefined,
  masterKeyHex: string,
  env: Record<string, string> = {},
  listen?: { host: string; port: number },
): Promise<BridgeProcess> {
  const host = listen?.host ?? '127.0.0.1';
  const port = listen?.port ?? (await freePort());
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: host,
      LOG_LEVEL: process.env.LIGHTHOUSE_TEST_LOG_LEVEL ?? 'error',
      ...(databaseUrl ? { LIGHTHOUSE_DATABASE_URL: databaseUrl } : {}),
      LIGHTHOUSE_MASTER_KEY: masterKeyHex,
      LIGHTHOUSE_RATE_VALIDATE_PER_MINUTE: '1000000',
      LIGHTHOUSE_RATE_ELICITATION_PER_MINUTE: '1000000',
      LIGHTHOUSE_RATE_WRITES_PER_MINUTE: '1000000',
      // make load asks one reviewer that never answers, from thousands of agents.
      LIGHTHOUSE_MAX_PENDING_ELICITATIONS_PER_TARGET: '1000000',
      SHUTDOWN_TIMEOUT_MS: '2000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`bridge on ${port} exited before it was ready (${child.exitCode ?? child.signalCode})`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bridge on ${port} did not become ready in 60 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    exited,
    async stop() {
      await stopChild(child, exited, { what: `the bridge on ${port}` });
    },
  };
}
