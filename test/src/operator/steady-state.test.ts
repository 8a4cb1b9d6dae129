// Zero writes when nothing changed (counted in the apiserver's audit log), and
// drift correction that puts back what we own without fighting what we do not.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { eventually } from '../controlplane/wait.js';
import {
  applyBridge as applyManifest,
  AuditLog,
  describeWrite,
  installCrd,
  OperatorProcess,
  waitBridgeReady,
} from './operator-process.js';

const ns = useNamespace('operator-steady');
const RESYNC_SECONDS = 10;
let operator: OperatorProcess;
let user: string;

const apps = () => controlPlane().kubeConfig().makeApiClient(AppsV1Api);
const core = () => controlPlane().kubeConfig().makeApiClient(CoreV1Api);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const applyBridge = (name: string, spec: object = {}) => applyManifest(controlPlane(), ns(), name, spec);

const waitReady = (name: string) => waitBridgeReady(controlPlane(), ns(), name);

beforeAll(async () => {
  const cp = controlPlane();
  await installCrd(cp);
  await core().createNamespacedSecret({
    namespace: ns(),
    body: { metadata: { name: 'db' }, stringData: { uri: 'postgres://u:p@db:5432/x' } },
  });
  user = `operator-steady-${ns()}`;
  operator = await OperatorProcess.start(cp, {
    user,
    namespaces: [ns()],
    resyncSeconds: RESYNC_SECONDS,
    logFile: path.join(cp.logDir, `operator-${ns()}.log`),
  });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
});

describe('steady state', () => {
  it('reconciling an unchanged resource writes nothing: no child apply, no status, no event', async () => {
    await applyBridge('quiet');
    await waitReady('quiet');
    // Ready is written before the good template is stored: wait for it to be stored.
    const revision = await controlPlane().kubectl([
      'get',
      'lhb',
      'quiet',
      '-n',
      ns(),
      '-o',
      'jsonpath={.status.currentRevision}',
    ]);
    await eventually('the good template stored', () =>
      apps().readNamespacedControllerRevision({ name: `quiet-bridge-${revision.trim()}`, namespace: ns() }),
    );
    // The events posted after that status write (unawaited), and its own watch event reconciled.
    await sleep(3000);
    const audit = AuditLog.of(controlPlane());
    const from = audit.offset();
    const reconcilesBefore = await operator.metric('controller_runtime_reconcile_total');
    // Two full resyncs: every resource is reconciled again at least twice.
    await sleep((RESYNC_SECONDS * 2 + 3) * 1000);
    const reconciles = (await operator.metric('controller_runtime_reconcile_total')) - reconcilesBefore;
    const writes = audit.writes(from, user);
    expect(reconciles).toBeGreaterThanOrEqual(2);
    expect(writes.map(describeWrite)).toEqual([]);
    // The operator did talk to the API meanwhile (it reads the external Secret): the log is live.
    expect(audit.events(from).some((e) => e.user.username === user)).toBe(true);
  }, 120_000);
});

describe('drift correction', () => {
  it('puts back an edited field it owns and a deleted child', async () => {
    const cp = controlPlane();
    await applyBridge('drift');
    await waitReady('drift');

    // Edits the Service's port; resolves with the Service once the operator has put 8765 back.
    const editPortAndWait = async (port: number) => {
      await cp.kubectl([
        'patch',
        'service',
        'drift-bridge',
        '-n',
        ns(),
        '--type=json',
        '-p',
        JSON.stringify([{ op: 'replace', path: '/spec/ports/0/port', value: port }]),
      ]);
      return eventually(`the Service port to be put back (from ${port})`, async () => {
        const svc = await core().readNamespacedService({ name: 'drift-bridge', namespace: ns() });
        return svc.spec!.ports![0]!.port === 8765 ? svc : undefined;
      });
    };
    await editPortAndWait(9999);

    await core().deleteNamespacedConfigMap({ name: 'drift-config', namespace: ns() });
    await eventually('the ConfigMap to be recreated', () =>
      core()
        .readNamespacedConfigMap({ name: 'drift-config', namespace: ns() })
        .then(() => true),
    );

    await cp.kubectl(['scale', 'deployment', 'drift-bridge', '-n', ns(), '--replicas=5']);
    await eventually('spec.replicas to be put back to 2', async () => {
      const d = await apps().readNamespacedDeployment({ name: 'drift-bridge', namespace: ns() });
      return d.spec!.replicas === 2;
    });

    // A field someone else added (not ours) stays.
    await cp.kubectl(['label', 'service', 'drift-bridge', '-n', ns(), 'team=platform']);
    expect((await editPortAndWait(9998)).metadata!.labels!.team).toBe('platform');
  }, 180_000);

  it('does not fight the replica count under autoscaling, even when it re-applies the Deployment', async () => {
    const cp = controlPlane();
    await applyBridge('scaled', { autoscaling: { minReplicas: 2, maxReplicas: 6 } });
    await waitReady('scaled');
    const hpa = JSON.parse(await cp.kubectl(['get', 'hpa', 'scaled-bridge', '-n', ns(), '-o', 'json'])) as {
      spec: { minReplicas: number; maxReplicas: number };
    };
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });

    // Scale as the autoscaler does (the scale subresource, another field manager).
    await cp.kubectl(['scale', 'deployment', 'scaled-bridge', '-n', ns(), '--replicas=4']);
    // A spec change makes the operator apply the Deployment again (new image → new template).
    await applyBridge('scaled', {
      autoscaling: { minReplicas: 2, maxReplicas: 6 },
      image: 'registry.invalid/lighthouse:2',
    });
    await eventually('the new image to be applied', async () => {
      const d = await apps().readNamespacedDeployment({ name: 'scaled-bridge', namespace: ns() });
      return d.spec!.template.spec!.containers[0]!.image === 'registry.invalid/lighthouse:2' ? d : undefined;
    });
    await sleep((RESYNC_SECONDS + 2) * 1000);
    const d = await apps().readNamespacedDeployment({ name: 'scaled-bridge', namespace: ns() });
    expect(d.spec!.replicas).toBe(4);
  }, 180_000);

  it('switching a fixed count to autoscaling keeps the running replicas (no reset to 1)', async () => {
    await applyBridge('handover', { replicas: 3 });
    await waitReady('handover');
    const replicas = async () =>
      (await apps().readNamespacedDeployment({ name: 'handover-bridge', namespace: ns() })).spec!.replicas;
    // 3 lies inside the HPA's range: the autoscaler (no metrics here) has no reason to change it.
    await applyBridge('handover', { autoscaling: { minReplicas: 2, maxReplicas: 6 } });
    const seen = new Set<number | undefined>();
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      seen.add(await replicas());
      await sleep(100);
    }
    expect(
      await controlPlane().kubectl(['get', 'hpa', 'handover-bridge', '-n', ns(), '-o', 'name']),
    ).toContain('handover-bridge');
    expect([...seen]).toEqual([3]);
    // A later apply of the Deployment (new template) leaves the count alone too.
    await applyBridge('handover', {
      autoscaling: { minReplicas: 2, maxReplicas: 6 },
      image: 'registry.invalid/lighthouse:2',
    });
    await eventually('the new image to be applied', async () => {
      const d = await apps().readNamespacedDeployment({ name: 'handover-bridge', namespace: ns() });
      return d.spec!.template.spec!.containers[0]!.image === 'registry.invalid/lighthouse:2' ? d : undefined;
    });
    await sleep(3000);
    expect(await replicas()).toBe(3);
  }, 180_000);

  it('removes children the spec no longer asks for (the HPA when autoscaling is dropped)', async () => {
    const cp = controlPlane();
    await applyBridge('scaled', { replicas: 3 });
    await eventually('the HPA to be deleted and replicas set', async () => {
      const hpas = await cp.kubectl([
        'get',
        'hpa',
        '-n',
        ns(),
        '-l',
        'app.kubernetes.io/instance=scaled',
        '-o',
        'name',
      ]);
      const d = await apps().readNamespacedDeployment({ name: 'scaled-bridge', namespace: ns() });
      return hpas.trim() === '' && d.spec!.replicas === 3;
    });
  }, 120_000);
});
