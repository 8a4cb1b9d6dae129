// `lighthouse fuse`: the FUSE sidecar. Mounts the project view read-only
// and serves it until SIGTERM/SIGINT, then unmounts and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { issueCredential } from '../auth/credentials.js';
import { BridgeClient } from '../client/bridge-client.js';
import { writePrivateFile } from '../hook/client-config.js';
import { BridgeProjectApi } from '../fuse/bridge-api.js';
import { fusermount } from '../fuse/mount.js';
import { startSidecar } from '../fuse/sidecar.js';
import { createLogger } from '../logging/logger.js';
import { isUsageError } from './args.js';

export const fuseUsage = `usage: lighthouse fuse --mount <dir> --bridge <url> --credential <file> [options]

  --mount <dir>         where to mount (created when missing; a stale mount there is cleared)
  --bridge <url>        the bridge, e.g. http://127.0.0.1:8765   (env LIGHTHOUSE_BRIDGE_URL)
  --credential <file>   file holding the agent credential lh1.…  (env LIGHTHOUSE_CREDENTIAL_FILE)
  --ready-file <file>   written once the mount is live, removed on shutdown
  --probe-port <port>   serve GET /readyz and /healthz on this port
  --uid <n> --gid <n>   owner shown for every file (default: the mounting user)
  --cache-mb <n>        file content kept in memory (default 256)
  --stream-kb <n>       kept in memory per /streams log; older lines read as NUL bytes (default 4096)
`;

/** The agent id the sidecar's requests carry when `lighthouse run` starts it. */
export const FUSE_AGENT = 'fuse-sidecar';
/** Within Kubernetes' default 30 s grace period, with room to spare. */
const STOP_DEADLINE_MS = 10_000;

class UsageError extends Error {}

function integer(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer between ${min} and ${max}, got "${value}"`);
  }
  return Number(value);
}

export async function runFuse(argv: string[]): Promise<void> {
  let sidecarArgs;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        mount: { type: 'string' },
        bridge: { type: 'string' },
        credential: { type: 'string' },
        'ready-file': { type: 'string' },
        'probe-port': { type: 'string' },
        uid: { type: 'string' },
        gid: { type: 'string' },
        'cache-mb': { type: 'string' },
        'stream-kb': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(fuseUsage);
      return;
    }
    const mountDir = values.mount;
    const url = values.bridge ?? process.env.LIGHTHOUSE_BRIDGE_URL;
    const credentialFile = values.credential ?? process.env.LIGHTHOUSE_CREDENTIAL_FILE;
    if (!mountDir) throw new UsageError('--mount is required');
    if (!url) throw new UsageError('--bridge (or LIGHTHOUSE_BRIDGE_URL) is required');
    if (!credentialFile) throw new UsageError('--credential (or LIGHTHOUSE_CREDENTIAL_FILE) is required');
    let credential: string;
    try {
      credential = readFileSync(credentialFile, 'utf8').trim();
    } catch (err) {
      throw new UsageError(
        `cannot read credential file ${credentialFile}: ${(err as NodeJS.ErrnoException).code}`,
      );
    }
    let client: BridgeClient;
    try {
      client = new BridgeClient({ url, credential, timeoutMs: 30_000 });
    } catch (err) {
      throw new UsageError(`credential file ${credentialFile}: ${(err as Error).message}`);
    }
    sidecarArgs = {
      mountDir,
      client,
      readyFile: values['ready-file'],
      probePort: integer(values['probe-port'], 'probe-port', 0, 65535),
      owner: {
        uid: integer(values.uid, 'uid', 0, 2 ** 32 - 2) ?? process.getuid?.() ?? 0,
        gid: integer(values.gid, 'gid', 0, 2 ** 32 - 2) ?? process.getgid?.() ?? 0,
      },
      cacheBytes: (integer(values['cache-mb'], 'cache-mb', 1, 1 << 20) ?? 256) * 1024 * 1024,
      streamBytes: (integer(values['stream-kb'], 'stream-kb', 1, 1 << 30) ?? 4096) * 1024,
    };
  } catch (err) {
    if (!(err instanceof UsageError) && !isUsageError(err)) throw err;
    process.stderr.write(`lighthouse fuse: ${(err as Error).message}\n${fuseUsage}`);
    process.exitCode = 2;
    return;
  }

  const log = createLogger(process.env.LOG_LEVEL || 'info', { component: 'fuse' });
  const { mountDir, client, readyFile, probePort, owner, cacheBytes, streamBytes } = sidecarArgs;
  // A signal while the project is still loading (the bridge not reachable yet) unmounts too.
  const loading = new AbortController();
  let stop = async (signal: string) =>
    loading.abort(new Error(`stopped by ${signal} before the project was loaded`));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  let sidecar;
  try {
    sidecar = await startSidecar({
      mountDir,
      api: new BridgeProjectApi(client),
      events: client,
      owner,
      readyFile,
      probePort,
      cache: { contentBytes: cacheBytes, streamBytes },
      log,
      signal: loading.signal,
    });
  } catch (err) {
    if (loading.signal.aborted) {
      log.info('stopped before the project was loaded; unmounted');
      process.exit(0);
    }
    process.stderr.write(`lighthouse fuse: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const running = sidecar;
  stop = async (signal: string) => {
    log.info('stopping', { signal });
    // A stop that hangs (a feed or probe that will not close) must not keep
    // the pod, or a test run, waiting: detach the mount and go.
    setTimeout(() => {
      log.error('stop did not finish in time; detaching the mount', { afterMs: STOP_DEADLINE_MS });
      void fusermount(['-uz'], mountDir)
        .catch(() => undefined)
        .then(() => process.exit(1));
    }, STOP_DEADLINE_MS).unref();
    try {
      await running.stop();
      process.exit(0);
    } catch (err) {
      process.stderr.write(`lighthouse fuse: unmount failed: ${(err as Error).message}\n`);
      process.exit(1);
    }
  };
}

export interface BesideBridge {
  mountDir: string;
  /** The local bridge's URL (a 0.0.0.0 listen address is reached on loopback). */
  url: string;
  masterKey: Buffer;
  /** Where the sidecar's credential file is kept (mode 0600). */
  stateDir: string;
}

/**
 * The bridge's environment less its configuration and secrets (LIGHTHOUSE_*: the master key,
 * the database URL, credentials, hook tokens; PG*: libpq's settings, a password among them).
 * The sidecar takes all it needs from its command line.
 */
function sidecarEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('LIGHTHOUSE_') && !name.startsWith('PG')),
  );
}

/**
 * `lighthouse run --fuse <dir>`: the sidecar as a child process beside the
 * local bridge (never in the bridge's process: FUSE handlers run on the main
 * thread), with its own credential; stopped (and so unmounted) when the bridge exits.
 */
export function startFuseBeside(opts: BesideBridge): ChildProcess {
  const credentialFile = path.join(opts.stateDir, 'fuse.credential');
  // A new file, renamed over any earlier one: that one's mode and owner do not carry over.
  writePrivateFile(credentialFile, `${issueCredential(opts.masterKey, FUSE_AGENT)}\n`);
  const cli = fileURLToPath(new URL('../../bin/lighthouse.js', import.meta.url));
  const url = opts.url.replace('://0.0.0.0', '://127.0.0.1');
  const child = spawn(
    process.execPath,
    [cli, 'fuse', '--mount', opts.mountDir, '--bridge', url, '--credential', credentialFile],
    { stdio: 'inherit', env: sidecarEnv(process.env) },
  );
  // Unreferenced, so the bridge's graceful shutdown can end the process; on its way out it stops the sidecar.
  child.unref();
  process.once('exit', () => child.kill('SIGTERM'));
  return child;
}
