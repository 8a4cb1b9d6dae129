// What test files use: the shared control plane (owned by jest's parent process,
// see jest-global.ts), a namespace per test file, kubeconfigs for other users.
//
//   const ns = useNamespace('my-feature');         // created in beforeAll (starting the control plane
//                                                  // on first use), deleted in afterAll
//   controlPlane().kubeConfig()                     // admin KubeConfig (client-node); throws one line
//                                                  // saying why when the control plane is unavailable
//   await controlPlane().kubectl(['get', 'pods', '-n', ns()])
import { execFile, execFileSync } from 'node:child_process';
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

function readState(): ControlPlaneState {
  const stateFile = process.env[STATE_ENV];
  if (!stateFile) {
    throw new Error(
      `no control plane: ${STATE_ENV} is not set (run the tests through jest's globalSetup: make test)`,
    );
  }
  return JSON.parse(readFileSync(stateFile, 'utf8')) as ControlPlaneState;
}

/**
 * Starts the shared control plane if it is not running yet (the jest parent
 * process owns it) and resolves when it is up, or its start failed. useNamespace()
 * calls this in its beforeAll, with a timeout long enough for a start.
 */
export async function ensureControlPlane(): Promise<void> {
  const state = readState();
  if (state.server || state.error || !state.controlUrl) return;
  await fetch(`${state.controlUrl}/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.controlToken}` },
    signal: AbortSignal.timeout(START_TIMEOUT_MS),
  });
}

/** How long a start may take (a loaded 2-core machine needs ~30 s). */
export const START_TIMEOUT_MS = 180_000;

/** The shared control plane (started on first use); throws one line saying why when it is not available. */
export function controlPlane(): TestControlPlane {
  if (cached) return cached;
  let state = readState();
  if (!state.server && !state.error && state.controlUrl) {
    if (state.ownerPid === process.pid) {
      // jest runs this file in band, in the owning process: blocking here would
      // block the start itself.
      throw new Error(
        'the control plane is not started yet: call useNamespace() at the top of the test file, or `await ensureControlPlane()` in a beforeAll',
      );
    }
    // Not started yet and called synchronously from a worker: block until the owner has started it.
    execFileSync(
      process.execPath,
      [
        '-e',
        `fetch(process.argv[1] + '/start', { method: 'POST', headers: { authorization: 'Bearer ' + process.argv[2] } })
          .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));`,
        state.controlUrl,
        state.controlToken ?? '',
      ],
      { stdio: 'ignore', timeout: START_TIMEOUT_MS },
    );
    state = readState();
  }
  if (state.error) throw new Error(state.error);
  if (!state.server) throw new Error('the control plane did not start (no error was recorded)');
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
    await ensureControlPlane();
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
  }, START_TIMEOUT_MS);
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
