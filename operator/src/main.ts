// The operator process: `node operator/dist/main.js` (or `make operator-run`).
// Settings: see config/options.ts (flags or environment).
import { pathToFileURL } from 'node:url';

import { OptionError, parseOptions, type OperatorOptions } from './config/options.js';
import { startProbeServer } from './http/server.js';
import { loadClusterAccess } from './kube/kubeconfig.js';
import { RestClient } from './kube/rest.js';
import { LeaderElector } from './leader/lease.js';
import { createLogger } from './logging/logger.js';
import { Manager } from './manager/manager.js';
import { OperatorMetrics } from './metrics/metrics.js';

export async function runOperator(options: OperatorOptions): Promise<void> {
  const log = createLogger(options.logLevel);
  const rest = new RestClient(loadClusterAccess(options.kubeconfig));
  let manager: Manager | undefined;
  const metrics = new OperatorMetrics(() => manager?.bridges.list() ?? []);
  const elector = options.leaderElection
    ? new LeaderElector({
        rest,
        namespace: options.leaderElectionNamespace,
        name: options.leaderElectionId,
        identity: options.identity,
        log,
      })
    : undefined;
  const server = await startProbeServer(options.metricsPort, options.metricsHost, metrics.registry, () =>
    // A standby replica is ready to take over; a leader is ready when every watch is healthy.
    manager ? manager.health() : [{ name: 'leader-election', healthy: true, message: 'standby' }],
  );
  log.info('operator started', {
    identity: options.identity,
    namespaces: options.watchNamespaces.length ? options.watchNamespaces : 'all',
    metricsPort: options.metricsPort,
    leaderElection: options.leaderElection,
  });

  const lead = () => {
    metrics.leader.set({ name: options.leaderElectionId }, 1);
    manager = new Manager(
      rest,
      {
        namespaces: options.watchNamespaces,
        workers: options.workers,
        resyncSeconds: options.resyncSeconds,
        discoverySeconds: options.discoverySeconds,
      },
      metrics,
      log,
    );
    manager.start().catch((err: unknown) => {
      log.error('starting the controller failed', { error: String(err) });
      process.exit(1);
    });
  };

  const stopping = new AbortController();
  let exitCode = 0;
  const shutdown = async (signal: string) => {
    if (stopping.signal.aborted) return;
    log.info('shutting down', { signal });
    stopping.abort();
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  if (elector) {
    const result = await elector.run(stopping.signal, lead);
    // Like controller-runtime: a leader that lost its lease exits, so it can never act as a second leader.
    if (result === 'lost') exitCode = 1;
  } else {
    lead();
    await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  }
  metrics.leader.set({ name: options.leaderElectionId }, 0);
  await manager?.stop();
  server.close();
  rest.close();
  log.info('stopped');
  process.exit(exitCode);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options: OperatorOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    process.stderr.write(`lighthouse-operator: ${err.message}\n`);
    process.exit(2);
  }
  runOperator(options).catch((err: unknown) => {
    process.stderr.write(`lighthouse-operator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
