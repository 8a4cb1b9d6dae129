// The three samples, applied as they are, converge to Ready=True on the real
// control plane with the real operator process. Pods on kwok's fake node run no
// code: their readiness is kwok's. The test plays the parts nobody runs here:
// the storage provisioner (a PersistentVolume for the embedded sample), the
// database owner (the external Secret) and CloudNativePG (the Cluster's status
// and its <name>-db-app Secret).
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, AppsV1Api } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { eventually } from '../controlplane/wait.js';
import { installCrd, OperatorProcess, readBridge, sample, waitBridgeReady } from './operator-process.js';

const ns = useNamespace('operator-samples');
let operator: OperatorProcess;

interface Bridge {
  metadata: { name: string; uid: string; generation: number };
  status?: {
    phase?: string;
    observedGeneration?: number;
    endpoint?: string;
    readyReplicas?: number;
    currentRevision?: string;
    database?: { mode: string; ready: boolean; cluster?: string };
    conditions?: {
      type: string;
      status: string;
      reason: string;
      message: string;
      lastTransitionTime: string;
    }[];
  };
}

const custom = () => controlPlane().kubeConfig().makeApiClient(CustomObjectsApi);
const core = () => controlPlane().kubeConfig().makeApiClient(CoreV1Api);

const bridge = (name: string) => readBridge<Bridge>(controlPlane(), ns(), name);

const condition = (b: Bridge, type: string) => b.status?.conditions?.find((c) => c.type === type);

async function waitReady(name: string): Promise<Bridge> {
  await waitBridgeReady(controlPlane(), ns(), name);
  return bridge(name);
}

beforeAll(async () => {
  const cp = controlPlane();
  await installCrd(cp);
  operator = await OperatorProcess.start(cp, {
    user: `operator-samples-${ns()}`,
    namespaces: [ns()],
    logFile: path.join(cp.logDir, `operator-${ns()}.log`),
  });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
});

describe('samples converge to Ready', () => {
  it('external database: waits for the Secret, then becomes Ready with every child owned and labelled', async () => {
    const cp = controlPlane();
    await cp.kubectl(['apply', '-n', ns(), '-f', sample('external-db')]);
    // Ready=False from the first reconcile, with the reason.
    const waiting = await eventually('a first status', async () => {
      const b = await bridge('lighthouse-external');
      return condition(b, 'Ready') ? b : undefined;
    });
    expect(condition(waiting, 'Ready')).toMatchObject({ status: 'False', reason: 'DatabaseNotReady' });
    expect(condition(waiting, 'DatabaseReady')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
    expect(waiting.status!.phase).toBe('Pending');

    await core().createNamespacedSecret({
      namespace: ns(),
      body: {
        metadata: { name: 'lighthouse-db' },
        stringData: { uri: 'postgres://u:p@db.example:5432/lighthouse' },
      },
    });
    const ready = await waitReady('lighthouse-external');
    expect(ready.status).toMatchObject({
      phase: 'Running',
      observedGeneration: ready.metadata.generation,
      endpoint: `lighthouse-external-bridge.${ns()}.svc:8765`,
      readyReplicas: 2,
      database: { mode: 'external', ready: true },
    });
    for (const type of ['Ready', 'DatabaseReady', 'BridgeAvailable'])
      expect(condition(ready, type)!.status).toBe('True');
    for (const type of ['Reconciling', 'Stalled', 'Degraded'])
      expect(condition(ready, type)!.status).toBe('False');

    const owned = JSON.parse(
      await cp.kubectl([
        'get',
        'deployment,service,serviceaccount,configmap,secret,poddisruptionbudget,networkpolicy',
        '-n',
        ns(),
        '-l',
        'app.kubernetes.io/instance=lighthouse-external,app.kubernetes.io/managed-by=lighthouse-operator',
        '-o',
        'json',
      ]),
    ) as {
      items: {
        kind: string;
        metadata: { name: string; ownerReferences?: { uid: string; controller: boolean }[] };
      }[];
    };
    expect(owned.items.map((i) => `${i.kind}/${i.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/lighthouse-external-config',
        'Deployment/lighthouse-external-bridge',
        'NetworkPolicy/lighthouse-external-bridge',
        'PodDisruptionBudget/lighthouse-external-bridge',
        'Secret/lighthouse-external-auth',
        'Service/lighthouse-external-bridge',
        'ServiceAccount/lighthouse-external-bridge',
      ].sort(),
    );
    for (const item of owned.items) {
      expect(item.metadata.ownerReferences).toEqual([
        expect.objectContaining({ uid: ready.metadata.uid, controller: true }),
      ]);
    }
    const auth = await core().readNamespacedSecret({ name: 'lighthouse-external-auth', namespace: ns() });
    expect(Buffer.from(auth.data!['master-key']!, 'base64').toString()).toMatch(/^[0-9a-f]{64}$/);

    const table = await cp.kubectl(['get', 'lhb', '-n', ns(), 'lighthouse-external']);
    expect(table).toMatch(/PHASE\s+READY\s+DATABASE\s+ENDPOINT\s+REVISION\s+AGE/);
    expect(table).toMatch(/Running\s+True\s+SecretFound/);

    // Events are posted after the status write that causes them, unawaited: read until they are there.
    const wanted = [
      'Created',
      'DatabaseWaiting',
      'DatabaseReady',
      'RolloutStarted',
      'RolloutFinished',
      'Ready',
    ];
    let reasons: string[] = [];
    await eventually('the events', async () => {
      const events = await cp.kubectl([
        'get',
        'events',
        '-n',
        ns(),
        '--field-selector',
        'involvedObject.name=lighthouse-external',
        '-o',
        'json',
      ]);
      reasons = (JSON.parse(events) as { items: { reason: string }[] }).items.map((e) => e.reason);
      return wanted.every((r) => reasons.includes(r));
    }).catch(() => undefined);
    expect(reasons).toEqual(expect.arrayContaining(wanted));
  }, 180_000);

  it('a master-key Secret named in spec.auth that is missing, then lacks its key, is the Ready reason until it holds it', async () => {
    const name = 'lighthouse-own-key';
    await core().createNamespacedSecret({
      namespace: ns(),
      body: { metadata: { name: `${name}-db` }, stringData: { uri: 'postgres://u:p@db.example:5432/lh' } },
    });
    await custom().createNamespacedCustomObject({
      group: 'lighthouse.dev',
      version: 'v1alpha1',
      namespace: ns(),
      plural: 'lighthousebridges',
      body: {
        apiVersion: 'lighthouse.dev/v1alpha1',
        kind: 'LighthouseBridge',
        metadata: { name },
        spec: {
          image: 'ghcr.io/lighthouse-dev/lighthouse-bridge:0.1.0',
          replicas: 1,
          database: { external: { secretRef: { name: `${name}-db`, key: 'uri' } } },
          auth: { secretRef: { name: `${name}-master` } },
        },
      },
    });
    // From the first status on, not after the progress deadline.
    const missing = await eventually('a first status', async () => {
      const b = await bridge(name);
      return condition(b, 'Ready') ? b : undefined;
    });
    expect(condition(missing, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'AuthSecretNotFound',
      message: `Secret ${ns()}/${name}-master (spec.auth.secretRef) not found: waiting for it, with the master key in key master-key`,
    });
    expect(condition(missing, 'Reconciling')).toMatchObject({ status: 'True', reason: 'AuthSecretNotFound' });
    expect(condition(missing, 'DatabaseReady')!.status).toBe('True');
    expect(missing.status!.phase).toBe('Pending');

    // Secrets the operator does not own are not watched: it must look again by itself.
    await core().createNamespacedSecret({
      namespace: ns(),
      body: { metadata: { name: `${name}-master` }, stringData: { key: 'x'.repeat(64) } },
    });
    const keyMissing = await eventually('AuthSecretKeyMissing', async () => {
      const b = await bridge(name);
      return condition(b, 'Ready')?.reason === 'AuthSecretKeyMissing' ? b : undefined;
    });
    expect(condition(keyMissing, 'Ready')!.message).toBe(
      `Secret ${ns()}/${name}-master (spec.auth.secretRef) has no key master-key: waiting for the master key in it`,
    );

    await core().replaceNamespacedSecret({
      name: `${name}-master`,
      namespace: ns(),
      body: { metadata: { name: `${name}-master` }, stringData: { 'master-key': 'x'.repeat(64) } },
    });
    const ready = await waitReady(name);
    expect(ready.status!.phase).toBe('Running');
    expect(condition(ready, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Reconciled' });
    // The user's key is used: no generated one.
    await expect(
      core().readNamespacedSecret({ name: `${name}-auth`, namespace: ns() }),
    ).rejects.toMatchObject({
      code: 404,
    });
  }, 180_000);

  it('embedded: the data volume binds (the test provides the PersistentVolume) and the single bridge becomes Ready', async () => {
    const cp = controlPlane();
    await core().createPersistentVolume({
      body: {
        metadata: { name: `pv-${ns()}` },
        spec: {
          capacity: { storage: '5Gi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: `/tmp/${ns()}` },
          claimRef: { namespace: ns(), name: 'lighthouse-embedded-data' },
          persistentVolumeReclaimPolicy: 'Delete',
        },
      },
    });
    await cp.kubectl(['apply', '-n', ns(), '-f', sample('embedded')]);
    const ready = await waitReady('lighthouse-embedded');
    expect(ready.status).toMatchObject({
      phase: 'Running',
      readyReplicas: 1,
      database: { mode: 'embedded', ready: true },
    });
    expect(condition(ready, 'DatabaseReady')!.reason).toBe('VolumeBound');
    const d = await controlPlane()
      .kubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'lighthouse-embedded-bridge', namespace: ns() });
    expect(d.spec!.strategy!.type).toBe('Recreate');
    expect(d.spec!.template.spec!.volumes).toContainEqual(
      expect.objectContaining({
        name: 'data',
        persistentVolumeClaim: { claimName: 'lighthouse-embedded-data' },
      }),
    );
  }, 180_000);

  it("managed: a CNPG Cluster is created; its phase shows until it is ready; then the bridge reads <name>-db-app's uri", async () => {
    const cp = controlPlane();
    await cp.kubectl(['apply', '-n', ns(), '-f', sample('managed-cnpg')]);
    const cluster = (await eventually('the CNPG Cluster', async () =>
      custom()
        .getNamespacedCustomObject({
          group: 'postgresql.cnpg.io',
          version: 'v1',
          namespace: ns(),
          plural: 'clusters',
          name: 'lighthouse-managed-db',
        })
        .catch(() => undefined),
    )) as { spec: { instances: number; postgresql?: { parameters: Record<string, string> } } };
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.postgresql!.parameters).toEqual({ max_connections: '200', shared_buffers: '256MB' });

    const setClusterStatus = (status: object) =>
      cp.kubectl([
        'patch',
        'clusters.postgresql.cnpg.io',
        'lighthouse-managed-db',
        '-n',
        ns(),
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status }),
      ]);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // Playing CloudNativePG: first still setting up...
    await setClusterStatus({
      phase: 'Setting up primary',
      instances: 3,
      readyInstances: 0,
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ClusterIsNotReady',
          message: 'starting',
          lastTransitionTime: now,
        },
      ],
    });
    const waiting = await eventually('DatabaseReady=False with the CNPG phase', async () => {
      const b = await bridge('lighthouse-managed');
      return condition(b, 'DatabaseReady')?.message.includes('Setting up primary') ? b : undefined;
    });
    expect(condition(waiting, 'DatabaseReady')).toMatchObject({ status: 'False', reason: 'ClusterNotReady' });
    expect(condition(waiting, 'Ready')!.status).toBe('False');

    // ...then healthy, with the application Secret it generates.
    await core().createNamespacedSecret({
      namespace: ns(),
      body: {
        metadata: { name: 'lighthouse-managed-db-app' },
        stringData: { uri: `postgresql://lighthouse:x@lighthouse-managed-db-rw.${ns()}:5432/lighthouse` },
      },
    });
    await setClusterStatus({
      phase: 'Cluster in healthy state',
      instances: 3,
      readyInstances: 3,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ClusterIsReady',
          message: 'ready',
          lastTransitionTime: now,
        },
      ],
    });
    const ready = await waitReady('lighthouse-managed');
    expect(ready.status!.database).toEqual({
      mode: 'managed',
      cluster: 'lighthouse-managed-db',
      ready: true,
    });
    const d = await controlPlane()
      .kubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'lighthouse-managed-bridge', namespace: ns() });
    expect(d.spec!.template.spec!.containers[0]!.env).toContainEqual({
      name: 'LIGHTHOUSE_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'lighthouse-managed-db-app', key: 'uri' } },
    });
  }, 180_000);

  it('deleting a LighthouseBridge returns promptly and the controller-manager garbage-collects its children', async () => {
    const cp = controlPlane();
    // Even with the operator gone: no finalizer, so nothing can hang.
    await operator.stop();
    await cp.kubectl(['delete', 'lhb', '-n', ns(), 'lighthouse-external', '--wait=true', '--timeout=30s']);
    await eventually(
      'every child of lighthouse-external to be garbage-collected',
      async () => {
        const left = await cp.kubectl([
          'get',
          'deployment,service,serviceaccount,configmap,secret,poddisruptionbudget,networkpolicy,replicaset,pod',
          '-n',
          ns(),
          '-l',
          'app.kubernetes.io/instance=lighthouse-external',
          '-o',
          'name',
        ]);
        return left.trim() === '';
      },
      { timeoutMs: 90_000 },
    );
  }, 120_000);
});
