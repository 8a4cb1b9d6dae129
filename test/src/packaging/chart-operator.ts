// Runs the real operator (operator/dist/main.js) as a local process configured
// exactly as the chart configured its Deployment: the container's environment
// (fieldRefs resolved as the kubelet would) and a token of the chart's
// ServiceAccount as its identity, so it has the chart's RBAC and nothing more. Pods on the fake
// nodes run no code; this is how tests and `make up` run the operator.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { KubeConfig, type V1Deployment, type V1EnvVar } from '@kubernetes/client-node';

import { freePort } from '../controlplane/controlplane.js';
import { eventually } from '../controlplane/wait.js';
import { stopChild } from '../processes/child.js';
import { IMAGE_NODE_FLAGS } from '../operator/operator-process.js';
import { repo } from './helm.js';

export interface ChartOperatorOptions {
  /** The Deployment the chart installed (read back from the cluster). */
  deployment: V1Deployment;
  /** Admin kubeconfig file: the cluster to talk to, and who may request the ServiceAccount's token. */
  adminKubeconfig: string;
  /** Runs kubectl as the admin. */
  kubectl: (args: string[]) => Promise<string>;
  logFile: string;
  /** What the pod would be called; the leader-election identity. */
  podName?: string;
}

/** The container's env with fieldRefs resolved for a pod `podName` in the Deployment's namespace. */
export function resolveEnv(deployment: V1Deployment, podName: string): Record<string, string> {
  const container = deployment.spec?.template.spec?.containers[0];
  if (!container) throw new Error('the Deployment has no container');
  const namespace = deployment.metadata!.namespace!;
  const fields: Record<string, string> = { 'metadata.namespace': namespace, 'metadata.name': podName };
  const env: Record<string, string> = {};
  for (const e of container.env ?? ([] as V1EnvVar[])) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) {
      const value = fields[e.valueFrom.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`cannot resolve ${e.name}: ${e.valueFrom.fieldRef.fieldPath}`);
      env[e.name] = value;
    } else {
      throw new Error(`env ${e.name}: only values and fieldRefs are supported here`);
    }
  }
  return env;
}

/** A kubeconfig holding a TokenRequest token of the ServiceAccount, as a pod would get mounted. */
async function serviceAccountKubeconfig(
  o: ChartOperatorOptions,
  namespace: string,
  sa: string,
  file: string,
): Promise<string> {
  const token = (await o.kubectl(['create', 'token', sa, '--namespace', namespace, '--duration=12h'])).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(o.adminKubeconfig);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error(`${o.adminKubeconfig} has no current cluster`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: sa, token }],
    contexts: [{ name: sa, cluster: cluster.name, user: sa, namespace }],
    currentContext: sa,
  });
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

export class ChartOperator {
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly user: string,
    readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(o: ChartOperatorOptions): Promise<ChartOperator> {
    const d = o.deployment;
    const namespace = d.metadata!.namespace!;
    const sa = d.spec!.template.spec!.serviceAccountName!;
    const user = `system:serviceaccount:${namespace}:${sa}`;
    const kubeconfig = await serviceAccountKubeconfig(
      o,
      namespace,
      sa,
      o.logFile.replace(/\.log$/, '.kubeconfig'),
    );
    const podName = o.podName ?? `${d.metadata!.name}-local-${process.pid}`;
    // The chart's environment; only the port differs (a free one on loopback).
    const port = await freePort();
    const env = {
      ...resolveEnv(d, podName),
      KUBECONFIG: kubeconfig,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
    };
    const fd = openSync(o.logFile, 'a');
    const child = spawn(
      process.execPath,
      [...IMAGE_NODE_FLAGS, path.join(repo, 'operator', 'dist', 'main.js')],
      {
        stdio: ['ignore', fd, fd],
        env: { PATH: process.env.PATH ?? '', ...env },
      },
    );
    closeSync(fd);
    const op = new ChartOperator(child, `http://127.0.0.1:${port}`, user, env, o.logFile);
    await eventually(`the operator's /healthz (log: ${o.logFile})`, async () => {
      if (child.exitCode !== null) throw new Error(`operator exited with ${child.exitCode}: ${op.logTail()}`);
      return (await fetch(`${op.url}/healthz`)).ok;
    });
    return op;
  }

  logTail(lines = 30): string {
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  stop(): Promise<number | null> {
    return stopChild(this.child, this.exited, { what: 'the operator', output: () => this.logTail() });
  }
}
