// The sidecar process: mount the read-only view, load the project from the
// bridge and follow its event stream, report readiness, unmount on stop.
// It mounts before the bridge is reachable: in a pod it is a native sidecar,
// whose startup probe (the mount exists) must pass before the bridge
// container even starts. Until the first load, reads below the root answer
// EAGAIN; the ready file and /readyz wait for the load.
import { createServer, type Server } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import type { SignedFetch } from './bridge-api.js';
import { ProjectCache, type CacheOptions } from './cache.js';
import { EventFeed, type FeedLog } from './feed.js';
import { checkFuseDevice, clearStaleMount, mount } from './mount.js';
import { createOperations, type Owner } from './operations.js';
import type { ProjectApi } from './project-api.js';

export interface SidecarOptions {
  mountDir: string;
  api: ProjectApi;
  /** The bridge's event stream; without it the view is loaded once and never refreshed. */
  events?: SignedFetch;
  owner: Owner;
  /** Written when the mount is live, removed on stop (for an exec startup probe). */
  readyFile?: string;
  /** Serves GET /readyz (200 once the mount is live) and /healthz on this port. */
  probePort?: number;
  probeHost?: string;
  cache?: CacheOptions;
  log: FeedLog;
  /** Aborting it while the project is still loading unmounts and rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface Sidecar {
  readonly dir: string;
  readonly probePort: number | undefined;
  stop(): Promise<'clean' | 'lazy'>;
}

function probeServer(state: { ready: boolean }, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const ok = req.url === '/healthz' || (req.url === '/readyz' && state.ready);
    const known = req.url === '/healthz' || req.url === '/readyz';
    res.writeHead(known ? (ok ? 200 : 503) : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: known ? (ok ? 'ok' : 'not_ready') : 'not_found' }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export async function startSidecar(opts: SidecarOptions): Promise<Sidecar> {
  checkFuseDevice();
  const state = { ready: false };
  const probe =
    opts.probePort === undefined
      ? undefined
      : await probeServer(state, opts.probePort, opts.probeHost ?? '0.0.0.0');
  if (await clearStaleMount(opts.mountDir)) {
    opts.log.warn('cleared a stale mount left by an earlier sidecar', { dir: opts.mountDir });
  }
  const cache = new ProjectCache(opts.api, opts.cache);
  const mounted = await mount(opts.mountDir, createOperations(cache, opts.owner, opts.log)).catch(
    (err: unknown) => {
      probe?.close();
      throw err;
    },
  );
  opts.log.info('mounted; loading the project from the bridge', { dir: mounted.dir });
  let feed: EventFeed | undefined;
  try {
    const loading = opts.events ? (feed = new EventFeed(opts.events, cache, opts.log)).start() : cache.load();
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(opts.signal!.reason as Error);
      if (opts.signal?.aborted) fail();
      opts.signal?.addEventListener('abort', fail, { once: true });
    });
    await Promise.race([loading, aborted]);
  } catch (err) {
    await feed?.stop();
    await mounted.unmount();
    probe?.close();
    throw err;
  }
  if (opts.readyFile) writeFileSync(opts.readyFile, `${mounted.dir}\n`);
  state.ready = true;
  const address = probe?.address();
  const probePort = typeof address === 'object' && address ? address.port : undefined;
  opts.log.info('ready', { dir: mounted.dir, files: cache.snapshot.current.files.size, probePort });
  return {
    dir: mounted.dir,
    probePort,
    async stop() {
      state.ready = false;
      if (opts.readyFile) rmSync(opts.readyFile, { force: true });
      const how = await mounted.unmount();
      opts.log.info('unmounted', { dir: mounted.dir, how });
      await feed?.stop();
      await new Promise<void>((resolve) => (probe ? probe.close(() => resolve()) : resolve()));
      opts.log.info('stopped', {});
      return how;
    },
  };
}
