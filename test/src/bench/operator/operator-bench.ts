// Operator benchmark on a private control plane (etcd, kube-apiserver,
// controller-manager, scheduler, kwok): create 200 LighthouseBridge resources
// at once and time until all are Ready; count the operator's API writes per
// resource (audit log) and in steady state; measure its RSS at 200 and 1,000.
// Baseline, same run: 200 plain Deployments created at once, time until all
// are available: the floor set by the control plane and kwok. Both sets are
// created by parallel POSTs (16 at a time): `kubectl apply` of a List creates
// one object after another and would measure kubectl instead.
//   node test/dist/bench/operator/operator-bench.js   (make bench-operator)
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '@lighthouse/bridge/testing/postgres.js';
import { loadClusterAccess } from '@lighthouse/operator/kube/kubeconfig.js';
import { RestClient } from '@lighthouse/operator/kube/rest.js';

import { startControlPlane } from '../../controlplane/controlplane.js';
import { rssMiB } from '../../processes/rss.js';
import { LiveHeap } from '../../processes/live-heap.js';
import {
  AuditLog,
  IMAGE_NODE_FLAGS,
  installCrd,
  OperatorProcess,
  repoRoot,
} from '../../operator/operator-process.js';

const run = promisify(execFile);
const FIRST = Number(process.env.BENCH_BRIDGES ?? 200);
const TOTAL = Number(process.env.BENCH_BRIDGES_TOTAL ?? 1000);
const RESYNC_SECONDS = 15;
/** The operator's node flags: the image's, or others to compare (BENCH_OPERATOR_NODE_ARGS="--flag …", "" for none). */
const NODE_ARGS =
  process.env.BENCH_OPERATOR_NODE_ARGS === undefined
    ? IMAGE_NODE_FLAGS
    : process.env.BENCH_OPERATOR_NODE_ARGS.split(' ').filter(Boolean);
const BRIDGES = '/apis/lighthouse.dev/v1alpha1/namespaces/bench/lighthousebridges';
const log = (m: string) => process.stderr.write(`operator-bench: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const bridges = (from: number, to: number) => ({
  items: Array.from({ length: to - from }, (_, i) => ({
    apiVersion: 'lighthouse.dev/v1alpha1',
    kind: 'LighthouseBridge',
    metadata: { name: `b${from + i}` },
    spec: {
      image: 'registry.invalid/lighthouse:1',
      replicas: 1,
      database: { external: { secretRef: { name: 'db' } } },
    },
  })),
});

const deployments = (n: number) => ({
  items: Array.from({ length: n }, (_, i) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `d${i}` },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: `d${i}` } },
      template: {
        metadata: { labels: { app: `d${i}` } },
        spec: { containers: [{ name: 'main', image: 'registry.invalid/x:1' }] },
      },
    },
  })),
});

async function main() {
  // 110 pods per fake node: room for the baseline and 1,000 bridges.
  const nodes = Math.ceil((TOTAL + FIRST) / 100) + 1;
  log(`starting a control plane with ${nodes} fake nodes`);
  const cp = await startControlPlane({ nodes, log });
  const kubectl = async (args: string[], input?: string) => {
    const child = run(cp.build.bin.kubectl, [`--kubeconfig=${cp.kubeconfig}`, ...args], {
      maxBuffer: 256 << 20,
    });
    if (input !== undefined) child.child.stdin?.end(input);
    return (await child).stdout;
  };
  // Ctrl-C: exit through the exit hooks that stop the control plane and the operator.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));
  const admin = new RestClient(loadClusterAccess(cp.kubeconfig));
  const createAll = async (collection: string, items: object[]) => {
    let next = 0;
    const worker = async () => {
      while (next < items.length) await admin.create(collection, items[next++]!);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  };
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    nodes,
    bridges: FIRST,
    total: TOTAL,
  };
  try {
    const harness = {
      kubectl: (a: string[]) => kubectl(a),
      logDir: cp.logDir,
      mintKubeconfig: cp.mintKubeconfig,
    };
    await installCrd(harness);
    for (const n of ['bench', 'baseline']) await kubectl(['create', 'namespace', n]);
    await kubectl([
      'create',
      'secret',
      'generic',
      'db',
      '-n',
      'bench',
      '--from-literal=uri=postgres://u:p@db:5432/x',
    ]);

    // Baseline: the control plane and kwok alone.
    let t0 = Date.now();
    await createAll('/apis/apps/v1/namespaces/baseline/deployments', deployments(FIRST).items);
    await waitFor(async () => {
      const list = JSON.parse(await kubectl(['get', 'deployments', '-n', 'baseline', '-o', 'json'])) as {
        items: { status?: { availableReplicas?: number } }[];
      };
      return list.items.filter((d) => d.status?.availableReplicas === 1).length === FIRST;
    });
    const baselineMs = Date.now() - t0;
    log(`baseline: ${FIRST} Deployments available in ${baselineMs} ms`);
    await kubectl(['delete', 'namespace', 'baseline', '--wait=false']);

    const user = 'lighthouse-operator-bench';
    const inspectPort = await freePort();
    const operator = await OperatorProcess.start(harness, {
      user,
      namespaces: [],
      resyncSeconds: RESYNC_SECONDS,
      logFile: path.join(cp.logDir, 'operator.log'),
      logLevel: 'info',
      nodeArgs: [...NODE_ARGS, `--inspect=127.0.0.1:${inspectPort}`],
    });
    const liveHeap = await LiveHeap.connect(inspectPort);
    // Where the resident memory is: V8's heap (in use, reserved, live after a full GC) and buffers outside it.
    const memory = async () => {
      const gauge = async (name: string) => Math.round((await operator.metric(name)) / 2 ** 20);
      return {
        rssMiB: Math.round(rssMiB(operator.pid)),
        heapUsedMiB: await gauge('nodejs_heap_size_used_bytes'),
        heapTotalMiB: await gauge('nodejs_heap_size_total_bytes'),
        externalMiB: await gauge('nodejs_external_memory_bytes'),
        liveHeapMiB: Math.round(await liveHeap.mib()),
      };
    };
    const audit = AuditLog.of(harness);
    const idleRss = Math.round(rssMiB(operator.pid));

    const from = audit.offset();
    t0 = Date.now();
    await createAll(BRIDGES, bridges(0, FIRST).items);
    const readyCount = async () => {
      const list = JSON.parse(await kubectl(['get', 'lhb', '-n', 'bench', '-o', 'json'])) as {
        items: { status?: { conditions?: { type: string; status: string }[] } }[];
      };
      return {
        ready: list.items.filter((b) =>
          b.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length,
        statused: list.items.filter((b) => b.status?.conditions).length,
      };
    };
    let reconciledMs = 0;
    await waitFor(async () => {
      const ready = await readyCount();
      if (!reconciledMs && ready.statused === FIRST) reconciledMs = Date.now() - t0;
      return ready.ready === FIRST;
    }, 600_000);
    const readyMs = Date.now() - t0;
    await sleep(5000);
    const writes = audit.writes(from, user);
    const byKind = new Map<string, number>();
    for (const w of writes) {
      const k = `${w.verb} ${w.objectRef?.resource}${w.objectRef?.subresource ? '/' + w.objectRef.subresource : ''}`;
      byKind.set(k, (byKind.get(k) ?? 0) + 1);
    }
    log(
      `${FIRST} LighthouseBridges: all with a status after ${reconciledMs} ms, Ready in ${readyMs} ms; ${writes.length} writes`,
    );

    // Steady state: two resync periods, every resource reconciled again.
    const steadyFrom = audit.offset();
    const reconcilesBefore = await operator.metric('controller_runtime_reconcile_total');
    const steadyMs = RESYNC_SECONDS * 2 * 1000 + 5000;
    await sleep(steadyMs);
    const steadyWrites = audit.writes(steadyFrom, user).length;
    const steadyReconciles = (await operator.metric('controller_runtime_reconcile_total')) - reconcilesBefore;
    const memoryAtFirst = await memory();
    const rssAtFirst = memoryAtFirst.rssMiB;
    log(
      `steady state: ${steadyWrites} writes over ${steadyMs / 1000} s and ${steadyReconciles} reconciles; RSS ${rssAtFirst} MiB`,
    );

    // Up to TOTAL resources: memory.
    t0 = Date.now();
    await createAll(BRIDGES, bridges(FIRST, TOTAL).items);
    await waitFor(async () => (await readyCount()).ready === TOTAL, 1_200_000);
    const totalReadyMs = Date.now() - t0;
    await sleep(RESYNC_SECONDS * 1000 + 5000);
    const memoryAtTotal = await memory();
    const rssAtTotal = memoryAtTotal.rssMiB;
    liveHeap.close();
    log(`${TOTAL} Ready (${TOTAL - FIRST} more in ${totalReadyMs} ms); RSS ${rssAtTotal} MiB`);
    await operator.stop();

    Object.assign(results, {
      baselineDeploymentsAvailableMs: baselineMs,
      bridgesReadyMs: readyMs,
      bridgesAllWithStatusMs: reconciledMs,
      readyRatioToBaseline: Math.round((readyMs / baselineMs) * 100) / 100,
      writesPerBridge: Math.round((writes.length / FIRST) * 100) / 100,
      writesByVerbAndResource: Object.fromEntries([...byKind].sort()),
      steadyStateWritesPerMinute: Math.round((steadyWrites / steadyMs) * 60_000 * 100) / 100,
      steadyStateReconciles: steadyReconciles,
      rssIdleMiB: idleRss,
      rssMiBAt: { [FIRST]: rssAtFirst, [TOTAL]: rssAtTotal },
      memoryAt: { [FIRST]: memoryAtFirst, [TOTAL]: memoryAtTotal },
      nodeArgs: NODE_ARGS.join(' '),
      totalReadyMs,
    });
  } finally {
    admin.close();
    await cp.stop();
  }
  const out = path.join(repoRoot, 'bench', 'results', 'operator.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
  console.log(
    `\n${FIRST} bridges Ready in ${results.bridgesReadyMs} ms = ${results.readyRatioToBaseline}x the time ${FIRST} plain Deployments take (${results.baselineDeploymentsAvailableMs} ms); ` +
      `${results.writesPerBridge} writes/bridge; steady state ${results.steadyStateWritesPerMinute} writes/min; RSS ${JSON.stringify(results.rssMiBAt)} MiB\nwritten to ${out}`,
  );
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(500);
  }
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
