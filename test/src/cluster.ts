// `make cluster`: the test control plane in the foreground, for a person to use.
// Prints `export KUBECONFIG=…`; Ctrl-C (or SIGTERM) stops everything and
// removes the temporary directory.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { repoRoot } from './controlplane/binaries.js';
import { startControlPlane } from './controlplane/controlplane.js';

const log = (message: string) => process.stderr.write(`cluster: ${message}\n`);

async function main(): Promise<void> {
  const nodes = Number(process.env.NODES ?? '1');
  const cp = await startControlPlane({ nodes, log });
  // A stable path too, so a second shell can find it: .lighthouse/ is git-ignored.
  const stable = path.join(repoRoot, '.lighthouse', 'cluster.kubeconfig');
  mkdirSync(path.dirname(stable), { recursive: true });
  copyFileSync(cp.kubeconfig, stable);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await cp.stop();
    rmSync(stable, { force: true });
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));

  const v = cp.build;
  console.log(
    [
      '',
      `Kubernetes control plane running at ${cp.server} (fake nodes: ${cp.nodeNames.join(', ')})`,
      `binaries (kubectl, helm, ...): ${v.binDir}`,
      `logs: ${cp.logDir}`,
      '',
      `export KUBECONFIG=${stable}`,
      `export PATH=${v.binDir}:$PATH`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  // Keep the process alive (the children are unref'd).
  setInterval(() => {}, 1 << 30);
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
