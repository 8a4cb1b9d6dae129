// The control plane is a real one: controllers, the scheduler and kwok's fake
// node turn a Deployment into Ready pods, and garbage collection follows
// ownerReferences.
import { describe, expect, it } from '@jest/globals';
import { AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from './testing.js';
import { eventually } from './wait.js';

const ns = useNamespace('workloads');

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'registry.invalid/never-pulled:1' }] },
      },
    },
  };
}

describe('workloads on the fake node', () => {
  it('a Deployment becomes a ReplicaSet and Pods that are scheduled on the fake node and become Ready', async () => {
    const cp = controlPlane();
    const apps = cp.kubeConfig().makeApiClient(AppsV1Api);
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    await apps.createNamespacedDeployment({ namespace: ns(), body: deployment('web', 2) });

    const replicaSets = await eventually('a ReplicaSet owned by the Deployment', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: ns(), labelSelector: 'app=web' });
      return list.items.length === 1 ? list.items : undefined;
    });
    expect(replicaSets[0]!.metadata!.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web' });

    const pods = await eventually('2 Running and Ready pods', async () => {
      const list = await core.listNamespacedPod({ namespace: ns(), labelSelector: 'app=web' });
      const ready = list.items.filter(
        (p) =>
          p.status?.phase === 'Running' &&
          p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === 2 ? ready : undefined;
    });
    for (const pod of pods) {
      expect(cp.nodeNames).toContain(pod.spec!.nodeName);
      expect(pod.metadata!.ownerReferences?.[0]).toMatchObject({
        kind: 'ReplicaSet',
        name: replicaSets[0]!.metadata!.name,
      });
      expect(pod.status!.podIP).toBeTruthy();
    }

    const status = await eventually('the Deployment to report 2 ready replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns() });
      return d.status?.readyReplicas === 2 ? d.status : undefined;
    });
    expect(status.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
  }, 90_000);

  it('deleting an owner garbage-collects the objects that reference it', async () => {
    const cp = controlPlane();
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({
      namespace: ns(),
      body: { metadata: { name: 'owner' } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns(),
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! },
          ],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns() });

    await eventually('the dependent ConfigMap to be garbage-collected', async () => {
      const list = await core.listNamespacedConfigMap({
        namespace: ns(),
        fieldSelector: 'metadata.name=dependent',
      });
      return list.items.length === 0;
    });
  }, 90_000);

  it('kubectl reports the pinned Kubernetes version', async () => {
    const out = JSON.parse(await controlPlane().kubectl(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(out.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(out.serverVersion.major).toBe('1');
  });
});
