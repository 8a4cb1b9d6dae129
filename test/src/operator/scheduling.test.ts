// spec.scheduling on the real scheduler: bridge pods go to the one fake node
// their nodeSelector and toleration allow; pods no node can take stay Pending,
// and pods that cannot be created (a missing PriorityClass) are not made, with
// the LighthouseBridge saying why in both cases.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';

import { FAKE_NODE_ANNOTATION } from '../controlplane/controlplane.js';
import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { eventually } from '../controlplane/wait.js';
import {
  applyBridge as applyManifest,
  AuditLog,
  describeWrite,
  installCrd,
  OperatorProcess,
  readBridge,
  waitBridgeReady,
} from './operator-process.js';

const ns = useNamespace('operator-scheduling');
const POOL = 'lighthouse.dev/test-pool';
let operator: OperatorProcess;
let node: string;

interface Bridge {
  status?: {
    currentRevision?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

const core = () => controlPlane().kubeConfig().makeApiClient(CoreV1Api);
const condition = (b: Bridge, type: string) => b.status?.conditions?.find((c) => c.type === type);

const getBridge = (name: string) => readBridge<Bridge>(controlPlane(), ns(), name);

const applyBridge = (name: string, scheduling: object) =>
  applyManifest(controlPlane(), ns(), name, { scheduling });

const bridgePods = async (name: string) =>
  (await core().listNamespacedPod({ namespace: ns(), labelSelector: `app.kubernetes.io/instance=${name}` }))
    .items;

/** Placed on this node only: its label is what the bridge selects, its taint keeps every other pod off. */
const ownPool = () => ({
  nodeSelector: { [POOL]: ns() },
  tolerations: [{ key: POOL, operator: 'Equal', value: ns(), effect: 'NoSchedule' }],
});

const RESYNC_SECONDS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The operator's writes over two resyncs (every resource reconciled again at least twice). */
async function writesOverTwoResyncs(): Promise<string[]> {
  const audit = AuditLog.of(controlPlane());
  const from = audit.offset();
  await sleep((RESYNC_SECONDS * 2 + 2) * 1000);
  return audit.writes(from, operator.options.user).map(describeWrite);
}

beforeAll(async () => {
  const cp = controlPlane();
  node = `sched-${ns()}`;
  // A fake node of this file's own (kwok runs the nodes with this annotation), as the control plane makes them.
  const fakeNode = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node,
      annotations: { [FAKE_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': node,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        [POOL]: ns(),
      },
    },
    spec: { taints: [{ key: POOL, value: ns(), effect: 'NoSchedule' }] },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  };
  await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(fakeNode) });
  await installCrd(cp);
  await core().createNamespacedSecret({
    namespace: ns(),
    body: { metadata: { name: 'db' }, stringData: { uri: 'postgres://u:p@db:5432/x' } },
  });
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: ns() },
      value: 1000,
    }),
  });
  operator = await OperatorProcess.start(cp, {
    user: `operator-scheduling-${ns()}`,
    namespaces: [ns()],
    resyncSeconds: RESYNC_SECONDS,
    logFile: path.join(cp.logDir, `operator-${ns()}.log`),
  });
  await eventually(`fake node ${node} Ready`, async () => {
    const n = await core().readNode({ name: node });
    return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  if (node) await controlPlane().kubectl(['delete', 'node', node, '--wait=false']);
  await controlPlane().kubectl(['delete', 'priorityclass', ns(), '--ignore-not-found']);
});

describe('spec.scheduling places bridge pods', () => {
  it('puts every bridge pod on the node its nodeSelector and toleration allow, with every field applied', async () => {
    await applyBridge('placed', {
      ...ownPool(),
      affinity: {
        // Empty lists, which the API server drops: the operator must not take that for drift.
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: POOL, operator: 'Exists', values: [] }] }],
          },
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', namespaces: [] } },
          ],
        },
      },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' },
      ],
      priorityClassName: ns(),
    });
    await waitBridgeReady(controlPlane(), ns(), 'placed');
    const pods = await bridgePods('placed');
    expect(pods).toHaveLength(2);
    expect(pods.map((p) => p.spec!.nodeName)).toEqual([node, node]);
    for (const pod of pods) {
      expect(pod.spec!.priority).toBe(1000);
      expect(pod.spec!.topologySpreadConstraints![0]!.labelSelector!.matchLabels).toMatchObject({
        'app.kubernetes.io/instance': 'placed',
        'app.kubernetes.io/component': 'bridge',
      });
    }
    // What the API server stored is what the operator applies: nothing to write again.
    await eventually('the good template stored', async () => {
      const revision = (await getBridge('placed')).status?.currentRevision;
      return controlPlane()
        .kubectl(['get', 'controllerrevision', `placed-bridge-${revision}`, '-n', ns(), '-o', 'name'])
        .then(() => true);
    });
    await sleep(3000);
    expect(await writesOverTwoResyncs()).toEqual([]);
  }, 180_000);

  it('a change rolls out; pods no node can take stay Pending and BridgeAvailable says why', async () => {
    const before = (await getBridge('placed')).status!.currentRevision!;
    await applyBridge('placed', { ...ownPool(), nodeSelector: { [POOL]: 'no-such-pool' } });
    const stuck = await eventually('BridgeAvailable=False reason Unschedulable', async () => {
      const b = await getBridge('placed');
      return condition(b, 'BridgeAvailable')?.reason === 'Unschedulable' ? b : undefined;
    });
    expect(stuck.status!.currentRevision).not.toBe(before);
    const available = condition(stuck, 'BridgeAvailable')!;
    expect(available.status).toBe('False');
    // maxSurge 1: one new pod, refused by the scheduler, whose message is quoted.
    expect(available.message).toMatch(
      /^1 bridge pod cannot be scheduled: 0\/\d+ nodes are available: .*didn't match Pod's node affinity\/selector/,
    );
    expect(condition(stuck, 'Ready')).toMatchObject({ status: 'False', message: available.message });
    // The running pods stay where they are (maxUnavailable 0); the new one has no node.
    const pods = await bridgePods('placed');
    const pending = pods.filter((p) => !p.spec!.nodeName);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.spec!.nodeSelector).toEqual({ [POOL]: 'no-such-pool' });
    expect(pods.filter((p) => p.spec!.nodeName === node)).toHaveLength(2);
    // Looking again for the scheduler's reason (pods are not watched) writes nothing while it stays the same.
    expect(await writesOverTwoResyncs()).toEqual([]);
  }, 180_000);

  it('a PriorityClass that does not exist: no pod is created, and BridgeAvailable says why', async () => {
    await applyBridge('unprioritised', { priorityClassName: 'no-such-class' });
    const failed = await eventually('BridgeAvailable=False reason ReplicaFailure', async () => {
      const b = await getBridge('unprioritised');
      return condition(b, 'BridgeAvailable')?.reason === 'ReplicaFailure' ? b : undefined;
    });
    expect(condition(failed, 'BridgeAvailable')!.message).toContain(
      'no PriorityClass with name no-such-class was found',
    );
    expect(await bridgePods('unprioritised')).toEqual([]);
  }, 120_000);

  it('a value the Deployment API refuses stalls the resource with the API server’s message', async () => {
    // A label key with a space: the CRD cannot check map keys, the Deployment's validation does.
    await applyBridge('malformed', { nodeSelector: { 'bad key': 'x' } });
    const stalled = await eventually('Stalled=True', async () => {
      const b = await getBridge('malformed');
      return condition(b, 'Stalled')?.status === 'True' ? b : undefined;
    });
    expect(condition(stalled, 'Stalled')).toMatchObject({ reason: 'ApplyFailed' });
    expect(condition(stalled, 'Stalled')!.message).toMatch(
      /spec.template.spec.nodeSelector: Invalid value: "bad key"/,
    );
  }, 120_000);
});
