// The apiserver restarts under a running operator: its watches fail, /readyz
// says so, they recover, and changes made afterwards are reconciled.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { eventually } from '../controlplane/wait.js';
import { installCrd, OperatorProcess } from './operator-process.js';

const ns = useNamespace('operator-restart');
let operator: OperatorProcess;

const core = () => controlPlane().kubeConfig().makeApiClient(CoreV1Api);

const bridge = (flags: object) =>
  JSON.stringify({
    apiVersion: 'lighthouse.dev/v1alpha1',
    kind: 'LighthouseBridge',
    metadata: { name: 'survivor' },
    spec: {
      image: 'registry.invalid/lighthouse:1',
      database: { external: { secretRef: { name: 'db' } } },
      featureFlags: flags,
    },
  });

beforeAll(async () => {
  const cp = controlPlane();
  await installCrd(cp);
  await core().createNamespacedSecret({
    namespace: ns(),
    body: { metadata: { name: 'db' }, stringData: { uri: 'postgres://u:p@db:5432/x' } },
  });
  operator = await OperatorProcess.start(cp, {
    user: `operator-restart-${ns()}`,
    namespaces: [ns()],
    logFile: path.join(cp.logDir, `operator-${ns()}.log`),
  });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
});

describe('apiserver restart', () => {
  it('watches recover and later changes are reconciled (no silent watch death)', async () => {
    const cp = controlPlane();
    await cp.kubectl(['apply', '-n', ns(), '-f', '-'], { input: bridge({ a: { mode: 'on' } }) });
    await cp.kubectl(['wait', '-n', ns(), '--for=condition=Ready', '--timeout=120s', 'lhb/survivor']);
    await eventually('/readyz to be ok', async () =>
      (await operator.readyz()).status === 200 ? true : undefined,
    );

    const down = cp.restartApiserver();
    // While it is down the operator must not claim its watches are fine.
    const sawUnready = await eventually(
      '/readyz to fail while the apiserver is away',
      async () => ((await operator.readyz()).status === 503 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 100 },
    ).catch(() => false);
    await down;
    expect(sawUnready).toBe(true);
    await eventually(
      '/readyz to recover',
      async () => ((await operator.readyz()).status === 200 ? true : undefined),
      {
        timeoutMs: 90_000,
      },
    );
    expect(operator.running).toBe(true);

    await cp.kubectl(['apply', '-n', ns(), '-f', '-'], { input: bridge({ a: { mode: 'off' } }) });
    await eventually(
      'the ConfigMap to carry the new flag',
      async () => {
        const cm = await core().readNamespacedConfigMap({ name: 'survivor-config', namespace: ns() });
        return cm.data?.['flags.yaml']?.includes('mode: off') ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // And a deleted child comes back: the child watches recovered too.
    await core().deleteNamespacedService({ name: 'survivor-bridge', namespace: ns() });
    await eventually('the Service to be recreated', () =>
      core()
        .readNamespacedService({ name: 'survivor-bridge', namespace: ns() })
        .then(() => true),
    );
  }, 300_000);
});
