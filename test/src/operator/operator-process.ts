// Runs the real operator (operator/dist/main.js) as a child process against
// the test control plane, and reads what it did from the apiserver's audit log.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';

import { freePort } from '../controlplane/controlplane.js';
import type { TestControlPlane } from '../controlplane/testing.js';
import { crdsEstablished, eventually } from '../controlplane/wait.js';
import { stopChild } from '../processes/child.js';
import { execForm, parseDockerfile } from '../packaging/dockerfile.js';

export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** The node flags the operator image's ENTRYPOINT passes before the script: tests run the operator the same way. */
export const IMAGE_NODE_FLAGS: string[] = (() => {
  const { stages } = parseDockerfile(readFileSync(path.join(repoRoot, 'operator', 'Dockerfile'), 'utf8'));
  const entry = execForm(stages.at(-1)!.instructions.find((i) => i.keyword === 'ENTRYPOINT')!);
  return entry.slice(entry.indexOf('node') + 1, -1);
})();
export const CRD_FILE = path.join(repoRoot, 'crds', 'lighthouse.dev_lighthousebridges.yaml');
export const sample = (name: 'embedded' | 'managed-cnpg' | 'external-db') =>
  path.join(repoRoot, 'k8s', 'samples', `${name}.yaml`);

/** A LighthouseBridge on an external database (its Secret need not exist), with `spec` added. */
export const bridgeManifest = (name: string, spec: object = {}) => ({
  apiVersion: 'lighthouse.dev/v1alpha1',
  kind: 'LighthouseBridge',
  metadata: { name },
  spec: {
    image: 'registry.invalid/lighthouse:1',
    database: { external: { secretRef: { name: 'db' } } },
    ...spec,
  },
});

/** Applies bridgeManifest(name, spec) in `namespace` with kubectl. */
export async function applyBridge(
  cp: Pick<TestControlPlane, 'kubectl'>,
  namespace: string,
  name: string,
  spec: object = {},
): Promise<void> {
  await cp.kubectl(['apply', '-n', namespace, '-f', '-'], {
    input: JSON.stringify(bridgeManifest(name, spec)),
  });
}

/** Waits (kubectl, 120 s) until the LighthouseBridge is Ready. */
export async function waitBridgeReady(
  cp: Pick<TestControlPlane, 'kubectl'>,
  namespace: string,
  name: string,
): Promise<void> {
  await cp.kubectl(['wait', '-n', namespace, '--for=condition=Ready', '--timeout=120s', `lhb/${name}`]);
}

/** The LighthouseBridge `name` in `namespace`, as the API server has it. */
export async function readBridge<T>(
  cp: Pick<TestControlPlane, 'kubeConfig'>,
  namespace: string,
  name: string,
): Promise<T> {
  return (await cp.kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'lighthouse.dev',
    version: 'v1alpha1',
    namespace,
    plural: 'lighthousebridges',
    name,
  })) as T;
}

/** Installs (or updates) the LighthouseBridge CRD and waits until it is served. */
export async function installCrd(cp: Pick<TestControlPlane, 'kubectl'>): Promise<void> {
  await cp.kubectl(['apply', '--server-side', '--force-conflicts', '-f', CRD_FILE]);
  await crdsEstablished((args) => cp.kubectl(args), ['crd/lighthousebridges.lighthouse.dev']);
}

/**
 * Two operator processes electing a leader, watching `namespace`, with the CRD
 * installed and the database Secret (`db`) their LighthouseBridges name.
 */
export async function startOperatorPair(
  cp: TestControlPlane,
  namespace: string,
  name: string,
): Promise<OperatorProcess[]> {
  await installCrd(cp);
  await cp
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'db' }, stringData: { uri: 'postgres://u:p@db:5432/x' } },
    });
  const ops: OperatorProcess[] = [];
  for (const id of ['a', 'b']) {
    ops.push(
      await OperatorProcess.start(cp, {
        user: `${name}-${id}-${namespace}`,
        identity: `${name}-${id}`,
        namespaces: [namespace],
        leaderElection: true,
        logFile: path.join(cp.logDir, `${name}-${id}-${namespace}.log`),
      }),
    );
  }
  return ops;
}

export interface OperatorProcessOptions {
  /** The Kubernetes user the operator authenticates as (audit log entries carry it). */
  user: string;
  namespaces: string[];
  identity?: string;
  leaderElection?: boolean;
  leaderElectionNamespace?: string;
  resyncSeconds?: number;
  discoverySeconds?: number;
  logFile: string;
  /** Default debug, for test diagnosis; benchmarks use the image's default (info). */
  logLevel?: string;
  /** Node flags before the script; default: the image's (IMAGE_NODE_FLAGS). */
  nodeArgs?: string[];
}

export class OperatorProcess {
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly metricsUrl: string,
    readonly options: OperatorProcessOptions,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(
    cp: Pick<TestControlPlane, 'mintKubeconfig'>,
    o: OperatorProcessOptions,
  ): Promise<OperatorProcess> {
    const kubeconfig = await cp.mintKubeconfig(o.user, ['system:masters']);
    const port = await freePort();
    const args = [
      ...(o.nodeArgs ?? IMAGE_NODE_FLAGS),
      path.join(repoRoot, 'operator', 'dist', 'main.js'),
      `--kubeconfig=${kubeconfig}`,
      `--watch-namespaces=${o.namespaces.join(',')}`,
      `--metrics-port=${port}`,
      '--metrics-host=127.0.0.1',
      `--leader-election=${o.leaderElection ?? false}`,
      `--leader-election-namespace=${o.leaderElectionNamespace ?? o.namespaces[0]}`,
      `--identity=${o.identity ?? o.user}`,
      `--resync-seconds=${o.resyncSeconds ?? 600}`,
      `--discovery-seconds=${o.discoverySeconds ?? 30}`,
    ];
    const fd = openSync(o.logFile, 'a');
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', fd, fd],
      env: {
        ...process.env,
        LOG_LEVEL: o.logLevel ?? 'debug',
      },
    });
    closeSync(fd);
    // Never outlive the test process, whatever way it ends.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    const op = new OperatorProcess(child, `http://127.0.0.1:${port}`, o);
    await eventually(`the operator's /healthz (log: ${o.logFile})`, async () => {
      if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}: ${op.logTail()}`);
      return (await fetch(`${op.metricsUrl}/healthz`)).ok;
    });
    return op;
  }

  logTail(lines = 30): string {
    return readFileSync(this.options.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async readyz(): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.metricsUrl}/readyz`);
    return { status: res.status, body: await res.text() };
  }

  async metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${this.metricsUrl}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
        if (labels && !line.includes(labels)) continue;
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  /** Sends `signal` and waits for the process to end. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    return stopChild(this.child, this.exited, { signal, what: 'the operator', output: () => this.logTail() });
  }
}

export interface AuditEvent {
  user: { username: string };
  verb: string;
  stage: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** Reads the apiserver's audit log (Metadata level, every request) from a byte offset. */
export class AuditLog {
  constructor(private readonly file: string) {}

  static of(cp: Pick<TestControlPlane, 'logDir'>): AuditLog {
    return new AuditLog(path.join(cp.logDir, 'audit.log'));
  }

  offset(): number {
    return statSync(this.file).size;
  }

  events(from: number): AuditEvent[] {
    const text = readFileSync(this.file).subarray(from).toString('utf8');
    return text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AuditEvent)
      .filter((e) => e.stage === 'ResponseComplete');
  }

  /** Write requests by `user` since `from`, leases excluded (renewing a lease is a write by design). */
  writes(from: number, user: string): AuditEvent[] {
    return this.events(from).filter(
      (e) => e.user.username === user && WRITE_VERBS.has(e.verb) && e.objectRef?.resource !== 'leases',
    );
  }
}

export const describeWrite = (e: AuditEvent) =>
  `${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''} ${e.objectRef?.name ?? ''}`;
