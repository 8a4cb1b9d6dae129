// Rollouts on the real control plane: kwok's fake node makes every scheduled
// pod Ready, so a "bad" revision here is one whose pods can never be scheduled
// (a CPU request above the fake node's 32 cores) — they stay Pending and not
// Ready, the Deployment controller reports ProgressDeadlineExceeded, as it does
// for an image that never starts.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, CoreV1Api, type V1Deployment, type V1PodTemplateSpec } from '@kubernetes/client-node';

import type { LighthouseBridge } from '@lighthouse/operator/api/types.js';
import { REVISION_ANNOTATION } from '@lighthouse/operator/specs/revision.js';
import { controlPlane, useNamespace } from '../controlplane/testing.js';
import { eventually } from '../controlplane/wait.js';
import {
  applyBridge as applyManifest,
  AuditLog,
  describeWrite,
  installCrd,
  OperatorProcess,
  readBridge,
} from '../operator/operator-process.js';
import { startBridgeProcess } from '../processes/bridge-process.js';

const ns = useNamespace('rollout');
let operator: OperatorProcess;

const apps = () => controlPlane().kubeConfig().makeApiClient(AppsV1Api);
const core = () => controlPlane().kubeConfig().makeApiClient(CoreV1Api);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const DEADLINE = 30; // the schema's minimum
const UNSCHEDULABLE = { requests: { cpu: '64', memory: '512Mi' }, limits: { memory: '1Gi' } };

const applyBridge = (name: string, spec: object) => applyManifest(controlPlane(), ns(), name, spec);

async function patchSpec(name: string, spec: object) {
  await controlPlane().kubectl([
    'patch',
    'lhb',
    name,
    '-n',
    ns(),
    '--type=merge',
    '-p',
    JSON.stringify({ spec }),
  ]);
}

const getBridge = (name: string) => readBridge<LighthouseBridge>(controlPlane(), ns(), name);

const condition = (lhb: LighthouseBridge, type: string) =>
  lhb.status?.conditions?.find((c) => c.type === type);
const getDeployment = (name: string) =>
  apps().readNamespacedDeployment({ name: `${name}-bridge`, namespace: ns() });
const templateRevision = (d: V1Deployment) => d.spec?.template.metadata?.annotations?.[REVISION_ANNOTATION];

/** Ready=True for the current generation; returns the resource. */
async function waitReady(name: string, timeoutMs = 120_000): Promise<LighthouseBridge> {
  return eventually(
    `${name} Ready for its current generation`,
    async () => {
      const lhb = await getBridge(name);
      const ready = condition(lhb, 'Ready');
      return ready?.status === 'True' && ready.observedGeneration === lhb.metadata.generation
        ? lhb
        : undefined;
    },
    { timeoutMs },
  );
}

async function replicaSets(name: string) {
  const list = await apps().listNamespacedReplicaSet({ namespace: ns() });
  return list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.name === `${name}-bridge`));
}

async function events(name: string, reason: string) {
  const list = await core().listNamespacedEvent({ namespace: ns() });
  return list.items.filter((e) => e.involvedObject.name === name && e.reason === reason);
}

async function startOperator(tag: string) {
  const cp = controlPlane();
  return OperatorProcess.start(cp, {
    user: `rollout-${ns()}`,
    namespaces: [ns()],
    resyncSeconds: 10,
    logFile: path.join(cp.logDir, `operator-${ns()}-${tag}.log`),
  });
}

beforeAll(async () => {
  await installCrd(controlPlane());
  await core().createNamespacedSecret({
    namespace: ns(),
    body: { metadata: { name: 'db' }, stringData: { uri: 'postgres://u:p@db:5432/x' } },
  });
  operator = await startOperator('1');
}, 120_000);

afterAll(async () => {
  await operator?.stop();
});

/** Samples the Deployment and the resource until the resource is Ready for its generation. */
async function followRollout(name: string) {
  let minReady = Infinity;
  let maxPods = 0;
  let samples = 0;
  let done: LighthouseBridge | undefined;
  const phases = new Set<string>();
  const deadline = Date.now() + 120_000;
  while (!done && Date.now() < deadline) {
    const d = await getDeployment(name);
    minReady = Math.min(minReady, d.status?.readyReplicas ?? 0);
    maxPods = Math.max(maxPods, d.status?.replicas ?? 0);
    samples++;
    const lhb = await getBridge(name);
    if (lhb.status?.phase) phases.add(lhb.status.phase);
    const ready = condition(lhb, 'Ready');
    if (ready?.status === 'True' && ready.observedGeneration === lhb.metadata.generation) done = lhb;
    else await sleep(100);
  }
  return { done, minReady, maxPods, samples, phases: [...phases] };
}

describe('rollouts', () => {
  it('spec.rollout.maxSurge / maxUnavailable set the rolling update budget', async () => {
    await applyBridge('budget', { replicas: 2, rollout: { maxSurge: 0, maxUnavailable: 1 } });
    await waitReady('budget');
    expect((await getDeployment('budget')).spec?.strategy?.rollingUpdate).toEqual({
      maxSurge: 0,
      maxUnavailable: 1,
    });
    await patchSpec('budget', { image: 'registry.invalid/lighthouse:2' });
    const { done, maxPods, minReady } = await followRollout('budget');
    expect(done).toBeDefined();
    // No surge: never more pods than desired; one may be down at a time.
    expect(maxPods).toBeLessThanOrEqual(2);
    expect(minReady).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('keeps the ten newest good templates and prunes older ones', async () => {
    await applyBridge('hist', { replicas: 1 });
    const revisions = [(await waitReady('hist')).status!.currentRevision!];
    for (let i = 2; i <= 12; i++) {
      await patchSpec('hist', { image: `registry.invalid/lighthouse:${i}` });
      revisions.push((await waitReady('hist')).status!.currentRevision!);
    }
    expect(new Set(revisions).size).toBe(12);
    // Ready is reported before the template is stored: wait for the newest one too.
    const newest = `hist-bridge-${revisions.at(-1)}`;
    const stored = await eventually('the newest stored and the history pruned to 10', async () => {
      const list = await apps().listNamespacedControllerRevision({ namespace: ns() });
      const names = list.items.map((cr) => cr.metadata!.name!).filter((n) => n.startsWith('hist-bridge-'));
      return names.length === 10 && names.includes(newest) ? names : undefined;
    });
    expect(stored.sort()).toEqual(
      revisions
        .slice(2)
        .map((r) => `hist-bridge-${r}`)
        .sort(),
    );
  }, 240_000);

  it('a good template whose storing was lost is stored before a new template replaces it', async () => {
    await applyBridge('lost', { replicas: 1 });
    const good = (await waitReady('lost')).status!.currentRevision!;
    const stored = (name: string) =>
      apps()
        .readNamespacedControllerRevision({ name, namespace: ns() })
        .catch(() => undefined);
    await eventually('the good template stored', () => stored(`lost-bridge-${good}`));
    // Lost while the operator is away (as if it stopped before storing it), and the spec moves on.
    await operator.stop();
    await apps().deleteNamespacedControllerRevision({ name: `lost-bridge-${good}`, namespace: ns() });
    await patchSpec('lost', { image: 'registry.invalid/lighthouse:next' });
    operator = await startOperator('lost');

    const next = (await waitReady('lost')).status!.currentRevision!;
    expect(next).not.toBe(good);
    const kept = await eventually('the replaced good template stored again', () =>
      stored(`lost-bridge-${good}`),
    );
    const template = (kept.data as { template: V1PodTemplateSpec }).template;
    expect(template.metadata?.annotations?.[REVISION_ANNOTATION]).toBe(good);
    expect(kept.revision).toBe(1); // the generation that made it good, older than the new one
  }, 180_000);

  it('an image change rolls out a new revision without ever dropping below the desired ready pods', async () => {
    const before = await applyBridge('img', { replicas: 2 }).then(() => waitReady('img'));
    const first = before.status!.currentRevision!;
    await patchSpec('img', { image: 'registry.invalid/lighthouse:2' });

    // Sample the Deployment until the new revision is Ready on the resource.
    const { done, minReady, samples, phases } = await followRollout('img');
    expect(done).toBeDefined();
    expect(phases).toContain('Progressing');
    const second = done!.status!.currentRevision!;
    expect(second).not.toBe(first);
    expect(samples).toBeGreaterThan(1);
    expect(minReady).toBeGreaterThanOrEqual(2);
    expect(done!.status!.lastRollout).toMatchObject({ revision: second, result: 'Succeeded' });
    expect(done!.status!.lastGoodRevision).toBe(second);
    expect(templateRevision(await getDeployment('img'))).toBe(second);
    // Both good templates are kept, owned by the resource (Ready is reported before the template is stored).
    for (const rev of [first, second]) {
      const cr = await eventually(`img-bridge-${rev} stored`, () =>
        apps().readNamespacedControllerRevision({ name: `img-bridge-${rev}`, namespace: ns() }),
      );
      expect(cr.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'LighthouseBridge', name: 'img' });
    }
  }, 180_000);

  it('a revision that never becomes ready is rolled back once, and not retried until the spec changes — across an operator restart', async () => {
    await applyBridge('bad', {
      replicas: 2,
      rollout: { autoRollback: true, progressDeadlineSeconds: DEADLINE },
    });
    const good = (await waitReady('bad')).status!.currentRevision!;
    await patchSpec('bad', { image: 'registry.invalid/lighthouse:broken', resources: UNSCHEDULABLE });

    // The bad template reaches the Deployment; then the operator is restarted mid-rollout.
    const failed = await eventually('the bad template to be applied', async () => {
      const rev = templateRevision(await getDeployment('bad'));
      return rev !== good ? rev : undefined;
    });
    await operator.stop();
    operator = await startOperator('2');

    const rolledBack = await eventually(
      'Degraded=True reason RolledBack',
      async () => {
        const lhb = await getBridge('bad');
        const d = condition(lhb, 'Degraded');
        return d?.status === 'True' && d.reason === 'RolledBack' && lhb.status?.phase === 'Degraded'
          ? lhb
          : undefined;
      },
      { timeoutMs: (DEADLINE + 90) * 1000 },
    );
    expect(condition(rolledBack, 'Degraded')!.message).toContain(`revision ${failed}`);
    expect(rolledBack.status!.currentRevision).toBe(good);
    expect(rolledBack.status!.lastGoodRevision).toBe(good);
    expect(rolledBack.status!.lastRollout).toMatchObject({ revision: failed, result: 'RolledBack' });
    const d = await getDeployment('bad');
    expect(templateRevision(d)).toBe(good);
    expect(d.status?.readyReplicas).toBe(2);

    // No flapping: the failed spec is not tried again while it stays the spec.
    const generation = d.metadata!.generation!;
    await sleep(25_000); // two resyncs and more
    const later = await getDeployment('bad');
    expect(later.metadata!.generation).toBe(generation);
    expect(templateRevision(later)).toBe(good);
    expect(await events('bad', 'RolledBack')).toHaveLength(1);

    // A new spec is tried.
    await patchSpec('bad', { image: 'registry.invalid/lighthouse:fixed', resources: null });
    const fixed = await waitReady('bad');
    expect(fixed.status!.currentRevision).not.toBe(good);
    expect(fixed.status!.currentRevision).not.toBe(failed);
    expect(condition(fixed, 'Degraded')).toMatchObject({ status: 'False' });
    expect(fixed.status!.phase).toBe('Running');
  }, 300_000);

  it('without autoRollback a failed revision stays, Stalled=True', async () => {
    await applyBridge('stall', {
      replicas: 1,
      rollout: { autoRollback: false, progressDeadlineSeconds: DEADLINE },
    });
    const good = (await waitReady('stall')).status!.currentRevision!;
    await patchSpec('stall', { resources: UNSCHEDULABLE });
    const stalled = await eventually(
      'Stalled=True',
      async () => {
        const lhb = await getBridge('stall');
        return condition(lhb, 'Stalled')?.status === 'True' ? lhb : undefined;
      },
      { timeoutMs: (DEADLINE + 90) * 1000 },
    );
    expect(condition(stalled, 'Stalled')!.reason).toBe('ProgressDeadlineExceeded');
    expect(stalled.status!.currentRevision).not.toBe(good);
    expect(stalled.status!.lastRollout).toMatchObject({
      revision: stalled.status!.currentRevision,
      result: 'Failed',
    });
    expect(templateRevision(await getDeployment('stall'))).toBe(stalled.status!.currentRevision);
  }, 240_000);

  it('a policy or flag change is hot-reloaded: no new ReplicaSet, done once the bridge reports the new config', async () => {
    await applyBridge('pol', { replicas: 1 });
    const before = await waitReady('pol');
    expect(before.status!.appliedConfigRevision).toBe(before.status!.configRevision);
    const config = async () =>
      (await core().readNamespacedConfigMap({ name: 'pol-config', namespace: ns() })).data!;
    const sets = (await replicaSets('pol')).map((rs) => rs.metadata!.name).sort();

    // kwok's pod runs no container, so the test plays it: a real bridge listening on the pod's IP
    // (added to loopback), reading the ConfigMap's files from a directory the test keeps in sync (the kubelet's part).
    const pod = (
      await core().listNamespacedPod({ namespace: ns(), labelSelector: 'app.kubernetes.io/instance=pol' })
    ).items[0]!;
    const ip = pod.status!.podIP!;
    const work = mkdtempSync(path.join(tmpdir(), 'lh-pod-'));
    const configDir = path.join(work, 'config');
    mkdirSync(configDir);
    const project = (data: Record<string, string>) => {
      for (const file of ['policy.yaml', 'flags.yaml']) {
        if (data[file] === undefined) rmSync(path.join(configDir, file), { force: true });
        else writeFileSync(path.join(configDir, file), data[file]);
      }
    };
    project(await config());
    try {
      execFileSync('ip', ['addr', 'replace', `${ip}/32`, 'dev', 'lo'], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(
        `this test adds the pod IP ${ip} to loopback, which needs root (CAP_NET_ADMIN) and iproute2: ${String(err)}`,
      );
    }
    const bridge = await startBridgeProcess(
      undefined,
      randomBytes(32).toString('hex'),
      { LIGHTHOUSE_DATA_DIR: path.join(work, 'data'), LIGHTHOUSE_CONFIG_DIR: configDir },
      { host: ip, port: 8765 },
    );
    try {
      await patchSpec('pol', { policy: { rules: [] }, featureFlags: { heuristics: { mode: 'off' } } });
      const pending = await eventually('the change to wait for the bridge', async () => {
        const lhb = await getBridge('pol');
        return condition(lhb, 'Reconciling')?.reason === 'ConfigPending' ? lhb : undefined;
      });
      expect(pending.status!.configRevision).not.toBe(before.status!.configRevision);
      expect(pending.status!.appliedConfigRevision).toBe(before.status!.configRevision);
      expect(pending.status!.phase).toBe('Progressing');
      expect(condition(pending, 'Ready')?.status).toBe('True'); // still serving, on the old policy

      project(await config()); // the kubelet updates the mounted ConfigMap; the bridge reloads it
      const done = await eventually('the bridge to confirm the new config', async () => {
        const lhb = await getBridge('pol');
        const r = condition(lhb, 'Reconciling');
        return r?.status === 'False' && lhb.status!.appliedConfigRevision === lhb.status!.configRevision
          ? lhb
          : undefined;
      });
      expect(done.status!.configRevision).toBe(pending.status!.configRevision);
      expect(done.status!.phase).toBe('Running');
      expect(done.status!.currentRevision).toBe(before.status!.currentRevision);
      expect((await replicaSets('pol')).map((rs) => rs.metadata!.name).sort()).toEqual(sets);
    } finally {
      await bridge.stop();
      execFileSync('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo']);
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);

  it('a paused resource gets no writes to its children; unpausing applies the spec', async () => {
    await applyBridge('pause', { replicas: 1 });
    const before = await waitReady('pause');
    // Ready is reported before the good template is stored: its create must not land in the window below.
    await eventually('the good template stored', () =>
      apps().readNamespacedControllerRevision({
        name: `pause-bridge-${before.status!.currentRevision}`,
        namespace: ns(),
      }),
    );
    const d0 = await getDeployment('pause');
    const audit = AuditLog.of(controlPlane());
    const from = audit.offset();
    await patchSpec('pause', { paused: true, image: 'registry.invalid/lighthouse:next' });
    await eventually('phase Paused', async () => (await getBridge('pause')).status?.phase === 'Paused');
    await sleep(12_000); // a resync
    const d1 = await getDeployment('pause');
    expect(d1.metadata!.generation).toBe(d0.metadata!.generation);
    // The operator wrote its status (phase Paused) and events, nothing else.
    const writes = audit
      .writes(from, `rollout-${ns()}`)
      .filter((e) => e.objectRef?.subresource !== 'status' && e.objectRef?.resource !== 'events');
    expect(writes.map(describeWrite)).toEqual([]);
    expect(audit.writes(from, `rollout-${ns()}`).length).toBeGreaterThan(0);
    expect(condition(await getBridge('pause'), 'Reconciling')).toMatchObject({
      status: 'False',
      reason: 'Paused',
    });

    await patchSpec('pause', { paused: false });
    const resumed = await waitReady('pause');
    expect(resumed.status!.currentRevision).not.toBe(before.status!.currentRevision);
    expect((await getDeployment('pause')).spec!.template.spec!.containers[0]!.image).toBe(
      'registry.invalid/lighthouse:next',
    );
  }, 180_000);
});
