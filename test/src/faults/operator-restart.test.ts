// An image change of a LighthouseBridge while kube-apiserver restarts and the
// operator's leader is SIGKILLed: the standby takes over and the change
// converges exactly once (one new Deployment generation, no flip back to the
// old template), with a bounded number of writes and none once it has settled.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';

import type { LighthouseBridge } from '@lighthouse/operator/api/types.js';
import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { eventually } from '../controlplane/wait.js';
import {
  AuditLog,
  describeWrite,
  startOperatorPair,
  type OperatorProcess,
} from '../operator/operator-process.js';

const ns = useNamespace('fault-operator');
const ops: OperatorProcess[] = [];

const lhb = (image: string) =>
  JSON.stringify({
    apiVersion: 'lighthouse.dev/v1alpha1',
    kind: 'LighthouseBridge',
    metadata: { name: 'rolling' },
    spec: { image, database: { external: { secretRef: { name: 'db' } } } },
  });

const apps = () => controlPlane().kubeConfig().makeApiClient(AppsV1Api);
const deployment = () => apps().readNamespacedDeployment({ name: 'rolling-bridge', namespace: ns() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const resource = async () =>
  (await controlPlane().kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'lighthouse.dev',
    version: 'v1alpha1',
    namespace: ns(),
    plural: 'lighthousebridges',
    name: 'rolling',
  })) as LighthouseBridge;

beforeAll(async () => {
  ops.push(...(await startOperatorPair(controlPlane(), ns(), 'fault-operator')));
}, 120_000);

afterAll(async () => {
  await Promise.all(ops.map((o) => o.stop()));
});

describe('apiserver restart and leader loss during an image change', () => {
  it('converges once, with a bounded number of writes and none after it settles', async () => {
    const cp = controlPlane();
    await cp.kubectl(['apply', '-n', ns(), '-f', '-'], { input: lhb('registry.invalid/lighthouse:1') });
    await cp.kubectl(['wait', '-n', ns(), '--for=condition=Ready', '--timeout=120s', 'lhb/rolling']);
    const leader = await eventually('a leader', async () => {
      for (const o of ops) if ((await o.metric('leader_election_master_status')) === 1) return o;
      return undefined;
    });
    const standby = ops.find((o) => o !== leader)!;
    const before = await deployment();
    const revisionBefore = (await resource()).status?.currentRevision;
    expect(revisionBefore).toBeTruthy();

    const audit = AuditLog.of(cp);
    const from = audit.offset();
    // The leader dies, the change arrives with nobody leading, and the apiserver
    // restarts before the standby has taken over: both faults land before convergence.
    await leader.stop('SIGKILL');
    await cp.kubectl(['apply', '-n', ns(), '-f', '-'], { input: lhb('registry.invalid/lighthouse:2') });
    await cp.restartApiserver();

    // Converged: the new image applied, its rollout finished (Ready for the generation) and its
    // template stored as good, which the operator does after writing Ready.
    const converged = await eventually(
      'the new image in the Deployment, Ready for the generation and its template stored',
      async () => {
        const [d, r] = await Promise.all([deployment(), resource()]);
        const image = d.spec?.template.spec?.containers.find((c) => c.name === 'bridge')?.image;
        const ready = r.status?.conditions?.find((c) => c.type === 'Ready');
        const revision = r.status?.currentRevision;
        if (
          image !== 'registry.invalid/lighthouse:2' ||
          r.status?.observedGeneration !== r.metadata.generation ||
          ready?.status !== 'True' ||
          ready.observedGeneration !== r.metadata.generation ||
          !revision ||
          revision === revisionBefore ||
          r.status?.lastRollout?.revision !== revision ||
          r.status.lastRollout.result !== 'Succeeded'
        )
          return undefined;
        await apps().readNamespacedControllerRevision({
          name: `rolling-bridge-${revision}`,
          namespace: ns(),
        });
        return d;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(await standby.metric('leader_election_master_status')).toBe(1);
    // Exactly one new pod template: no duplicate change, no flip back to the old one.
    expect(converged.metadata!.generation).toBe(before.metadata!.generation! + 1);

    // Settled: nothing more is written by either operator. The events posted after the last status
    // write trail it, unawaited: wait for 3 s without writes, then watch 10 s more.
    const users = ops.map((o) => o.options.user);
    let quietFrom = audit.offset();
    await eventually(
      'no writes by the operators for 3 s',
      async () => {
        await sleep(3_000);
        const quiet = users.every((u) => audit.writes(quietFrom, u).length === 0);
        quietFrom = audit.offset();
        return quiet;
      },
      { timeoutMs: 60_000, intervalMs: 0 },
    );
    const settledAt = audit.offset();
    await sleep(10_000);
    expect(users.flatMap((u) => audit.writes(settledAt, u)).map(describeWrite)).toEqual([]);
    expect((await deployment()).metadata!.generation).toBe(converged.metadata!.generation);

    const writes = users.flatMap((u) => audit.writes(from, u));
    // The standby made the change: the faults did hit before it converged.
    expect(audit.writes(from, standby.options.user).map(describeWrite)).toContain(
      'patch deployments rolling-bridge',
    );
    console.log(
      `operator fault: converged with ${writes.length} writes by the operators: ${writes.map(describeWrite).join(', ')}`,
    );
    expect(writes.length).toBeLessThan(30);
  }, 240_000);
});
