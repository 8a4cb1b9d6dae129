// What test files use: the shared control plane started by jest's globalSetup
// (jest-global.ts), a namespace per test file, kubeconfigs for other users.
//
//   const cluster = useControlPlane();             // fails every test with one line if unavailable
//   const ns = useNamespace('my-feature');          // created in beforeAll, deleted in afterAll
//   cluster().kubeConfig()                           // admin KubeConfig (client-node)
//   cluster().kubectl(['get', 'pods', '-n', ns()])
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll } from '@jest/globals';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

import { mintKubeconfig } from './controlplane.js';
import { STATE_ENV, type ControlPlaneState } from './jest-global.js';

const run = promisify(execFile);

export interface TestControlPlane {
  server: string;
  /** Admin (system:masters) kubeconfig file. */
  kubeconfig: string;
  binDir: string;
  nodeNames: string[];
  logDir: string;
  /** Absolute path of a binary of the control-plane build (kubectl, helm, ...). */
  bin(name: 'kubectl' | 'helm' | 'etcd' | 'kwok'): string;
  /** A client-node KubeConfig for the admin, or for the kubeconfig file given. */
  kubeConfig(file?: string): KubeConfig;
  /** A kubeconfig for `user` in `groups` (client certificate signed by the cluster CA). */
  mintKubeconfig(user: string, groups?: string[]): Promise<string>;
  /** Runs kubectl (admin unless `--kubeconfig` is passed); rejects with its stderr on failure. */
  kubectl(args: string[], options?: { input?: string }): Promise<string>;
  /** Runs helm against the cluster (admin). */
  helm(args: string[]): Promise<string>;
  /** Restarts kube-apiserver (done by the process that owns it); resolves when it is ready again. */
  restartApiserver(): Promise<void>;
}

let cached: TestControlPlane | undefined;

/** The shared control plane; throws one line saying why when it is not available. */
export function controlPlane(): TestControlPlane {
  if (cached) return cached;
  const stateFile = process.env[STATE_ENV];
  if (!stateFile) {
    throw new Error(
      `no control plane: ${STATE_ENV} is not set (run the tests through jest's globalSetup: make test)`,
    );
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ControlPlaneState;
  if (state.error) throw new Error(state.error);
  const { server, kubeconfig, binDir, workDir, controlUrl, controlToken, nodeNames, logDir } =
    state as Required<ControlPlaneState>;
  const env = {
    ...process.env,
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    KUBECONFIG: kubeconfig,
  };
  const exec = async (bin: string, args: string[], input?: string) => {
    try {
      const child = run(path.join(binDir, bin), args, { env, maxBuffer: 64 * 1024 * 1024 });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      }
      return (await child).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${bin} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
    }
  };
  cached = {
    server,
    kubeconfig,
    binDir,
    nodeNames,
    logDir,
    bin: (name) => path.join(binDir, name),
    kubeConfig(file = kubeconfig) {
      const kc = new KubeConfig();
      kc.loadFromFile(file);
      return kc;
    },
    mintKubeconfig: (user, groups = []) => mintKubeconfig(workDir, server, user, groups),
    kubectl: (args, options) => exec('kubectl', args, options?.input),
    helm: (args) => exec('helm', args),
    async restartApiserver() {
      const res = await fetch(`${controlUrl}/restart-apiserver`, {
        method: 'POST',
        headers: { authorization: `Bearer ${controlToken}` },
      });
      if (!res.ok) throw new Error(`restarting kube-apiserver failed: ${await res.text()}`);
    },
  };
  return cached;
}

/**
 * Registers beforeAll/afterAll hooks that create a fresh namespace for this
 * test file and delete it afterwards; returns a getter for its name.
 */
export function useNamespace(prefix = 'test'): () => string {
  let name: string | undefined;
  beforeAll(async () => {
    const api = controlPlane().kubeConfig().makeApiClient(CoreV1Api);
    const base = prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40)
      .replace(/-+$/, '');
    const created = await api.createNamespace({
      body: { metadata: { generateName: `${base}-`, labels: { 'lighthouse.dev/test': 'true' } } },
    });
    name = created.metadata!.name!;
  });
  afterAll(async () => {
    if (!name) return;
    const api = controlPlane().kubeConfig().makeApiClient(CoreV1Api);
    await api.deleteNamespace({ name }).catch(() => {});
  });
  return () => {
    if (!name) throw new Error('useNamespace(): the namespace exists only inside tests (after beforeAll)');
    return name;
  };
}
