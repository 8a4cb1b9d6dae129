// `make up`: the whole product on this machine. Starts the local Kubernetes
// control plane, installs the chart with helm, runs the operator as a local
// process with the chart's ServiceAccount and environment, applies the embedded
// sample, waits for Ready=True, then starts a local bridge configured exactly as
// the operator configured the bridge Deployment (same env, same ConfigMap and
// Secret contents). Prints how to watch it and how to point Claude Code at it.
// Ctrl-C stops everything and removes the temporary files.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { issueHookToken } from '@lighthouse/bridge/auth/credentials.js';
import { loadMasterKey } from '@lighthouse/bridge/config/master-key.js';

import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.js';
import { ChartOperator } from './chart-operator.js';
import { chartDir, repo } from './helm.js';
import { localContainer, type LocalContainer } from './local-pod.js';

const run = promisify(execFile);
const log = (message: string) => process.stderr.write(`up: ${message}\n`);

const RELEASE = 'lighthouse';
const OPERATOR_NAMESPACE = 'lighthouse-system';
const NAMESPACE = 'default';
const SAMPLE = path.join(repo, 'k8s', 'samples', 'embedded.yaml');
const BRIDGE_PORT = Number(process.env.PORT ?? '8765');
const AGENT = 'claude';

async function main(): Promise<void> {
  let cp: ControlPlane | undefined;
  let operator: ChartOperator | undefined;
  let bridge: ChildProcess | undefined;
  let local: LocalContainer | undefined;
  const stable = path.join(repo, '.lighthouse', 'up.kubeconfig');
  let stopping = false;
  const shutdown = async (why: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: stopping`);
    if (bridge && bridge.exitCode === null) {
      bridge.kill('SIGTERM');
      await new Promise((r) => bridge!.once('exit', r));
    }
    await operator?.stop();
    local?.cleanup();
    await cp?.stop();
    rmSync(stable, { force: true });
    log('stopped');
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void shutdown(signal));

  try {
    cp = await startControlPlane({ nodes: 1, log });
    mkdirSync(path.dirname(stable), { recursive: true });
    copyFileSync(cp.kubeconfig, stable);
    const env = { ...process.env, KUBECONFIG: cp.kubeconfig, PATH: `${cp.build.binDir}:${process.env.PATH}` };
    const kubectl = async (...args: string[]) => (await run(cp!.build.bin.kubectl, args, { env })).stdout;

    log(`helm install ${RELEASE} charts/lighthouse (namespace ${OPERATOR_NAMESPACE}, watching ${NAMESPACE})`);
    await run(
      cp.build.bin.helm,
      [
        'install',
        RELEASE,
        chartDir,
        '--namespace',
        OPERATOR_NAMESPACE,
        '--create-namespace',
        '--set',
        `watchNamespaces={${NAMESPACE}}`,
        '--wait',
        '--timeout',
        '180s',
      ],
      { env },
    );

    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const logDir = cp.logDir;
    operator = await ChartOperator.start({
      deployment: await apps.readNamespacedDeployment({
        name: `${RELEASE}-operator`,
        namespace: OPERATOR_NAMESPACE,
      }),
      adminKubeconfig: cp!.kubeconfig,
      kubectl: (args) => kubectl(...args),
      logFile: path.join(logDir, 'operator.log'),
    });
    log(`operator running as ${operator.user} (log: ${path.join(logDir, 'operator.log')})`);

    // Nobody runs a storage provisioner here: provide the volume the sample claims.
    await core.createPersistentVolume({
      body: {
        metadata: { name: 'lighthouse-embedded-data' },
        spec: {
          capacity: { storage: '5Gi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: '/tmp/lighthouse-embedded-data' },
          claimRef: { namespace: NAMESPACE, name: 'lighthouse-embedded-data' },
          persistentVolumeReclaimPolicy: 'Delete',
        },
      },
    });
    await kubectl('apply', '-n', NAMESPACE, '-f', SAMPLE);
    log('applied k8s/samples/embedded.yaml; waiting for Ready=True');
    await kubectl(
      'wait',
      '-n',
      NAMESPACE,
      '--for=condition=Ready',
      '--timeout=180s',
      'lhb/lighthouse-embedded',
    );

    // The bridge the operator configured, as a local process (pods on the fake node run no code).
    const deployment = await apps.readNamespacedDeployment({
      name: 'lighthouse-embedded-bridge',
      namespace: NAMESPACE,
    });
    local = await localContainer(deployment, 'bridge', {
      configMap: async (namespace, name) =>
        (await core.readNamespacedConfigMap({ namespace, name })).data ?? {},
      secret: async (namespace, name) =>
        Object.fromEntries(
          Object.entries((await core.readNamespacedSecret({ namespace, name })).data ?? {}).map(([k, v]) => [
            k,
            Buffer.from(v, 'base64').toString('utf8'),
          ]),
        ),
    });
    const [command, ...args] = local.container.command ?? [];
    if (command !== 'lighthouse')
      throw new Error(`the bridge container runs ${command}, expected lighthouse`);
    const bridgeEnv = {
      ...local.env,
      PORT: String(BRIDGE_PORT),
      HOST: '127.0.0.1',
      PATH: process.env.PATH ?? '',
    };
    bridge = spawn(process.execPath, [path.join(repo, 'bridge', 'bin', 'lighthouse.js'), ...args], {
      env: bridgeEnv,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    bridge.once('exit', (code) => void shutdown(`the bridge exited (${code})`, code ?? 1));
    const url = `http://127.0.0.1:${BRIDGE_PORT}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 600) throw new Error(`the bridge did not become ready at ${url}/readyz`);
      await new Promise((r) => setTimeout(r, 200));
    }

    // The same master key the bridge loaded (from the Secret the operator generated).
    const hookToken = issueHookToken(loadMasterKey(bridgeEnv), AGENT);
    const settings = {
      hooks: {
        PreToolUse: [
          {
            matcher: '*',
            hooks: [
              {
                type: 'http',
                url: `${url}/v1/hooks/claude-code`,
                headers: { Authorization: 'Bearer $LIGHTHOUSE_HOOK_TOKEN' },
                allowedEnvVars: ['LIGHTHOUSE_HOOK_TOKEN'],
              },
            ],
          },
        ],
      },
    };
    console.log(
      [
        '',
        `Kubernetes control plane: ${cp.server} (kubectl, helm: ${cp.build.binDir})`,
        `Operator: helm release ${RELEASE} in ${OPERATOR_NAMESPACE}, running locally as ${operator.user}`,
        `LighthouseBridge ${NAMESPACE}/lighthouse-embedded: Ready`,
        `Bridge (configured as its Deployment): ${url}  (config: ${local.env.LIGHTHOUSE_CONFIG_DIR})`,
        '',
        'Watch it:',
        `  export KUBECONFIG=${stable} PATH=${cp.build.binDir}:$PATH`,
        '  kubectl get lhb -w',
        '',
        `Point Claude Code at the bridge (agent "${AGENT}"):`,
        `  export LIGHTHOUSE_HOOK_TOKEN=${hookToken}`,
        '  and in .claude/settings.json:',
        ...JSON.stringify(settings, null, 2)
          .split('\n')
          .map((l) => `  ${l}`),
        '',
        'Press Ctrl-C to stop everything.',
      ].join('\n'),
    );
    setInterval(() => {}, 1 << 30);
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    if (operator) log(`operator log tail:\n${operator.logTail(15)}`);
    await shutdown('failed', 1);
  }
}

void main();
