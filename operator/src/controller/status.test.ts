import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';

import { sampleBridge } from '../api/fixture.js';
import type { LighthouseBridge } from '../api/types.js';
import { REVISION_ANNOTATION } from '../specs/revision.js';
import { conditionOf } from './conditions.js';
import { computeStatus } from './status.js';

const dbReady = { ready: true, reason: 'SecretFound', message: 'ok' };
const dbWaiting = { ready: false, reason: 'SecretNotFound', message: 'waiting for key uri of Secret pg' };

function deployment(rev: string, ready: number, extra: Partial<V1Deployment['status']> = {}): V1Deployment {
  return {
    metadata: { generation: 2 },
    spec: {
      replicas: 2,
      selector: {},
      template: { metadata: { annotations: { [REVISION_ANNOTATION]: rev } } },
    },
    status: {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: ready,
      availableReplicas: ready,
      ...extra,
    },
  };
}

const withStatus = (lhb: LighthouseBridge, status: LighthouseBridge['status']) => ({ ...lhb, status });

describe('computeStatus', () => {
  it('a new resource is Ready=False (Reconciling) from the first reconcile, phase Pending while the database waits', () => {
    const s = computeStatus({ lhb: sampleBridge(), now: 't0', revision: 'r1', database: dbWaiting });
    expect(s.phase).toBe('Pending');
    expect(conditionOf(s.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'DatabaseNotReady' });
    expect(conditionOf(s.conditions, 'Reconciling')).toMatchObject({ status: 'True' });
    expect(conditionOf(s.conditions, 'Stalled')).toMatchObject({ status: 'False' });
    expect(s.observedGeneration).toBe(1);
    expect(s.endpoint).toBe('demo-bridge.team-a.svc:8765');
    expect(s.database).toEqual({ mode: 'external', ready: false });
    expect(s.lastRollout).toEqual({ revision: 'r1', startedAt: 't0', result: 'Progressing' });
  });

  it('becomes Ready and Running when the database is ready and every bridge is available on the revision', () => {
    const s = computeStatus({
      lhb: sampleBridge(),
      now: 't1',
      revision: 'r1',
      database: dbReady,
      deployment: deployment('r1', 2),
    });
    expect(s.phase).toBe('Running');
    expect(conditionOf(s.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(conditionOf(s.conditions, 'Reconciling')).toMatchObject({ status: 'False' });
    expect(conditionOf(s.conditions, 'BridgeAvailable')).toMatchObject({ status: 'True' });
    expect(s).toMatchObject({ readyReplicas: 2, replicas: 2, currentRevision: 'r1', lastGoodRevision: 'r1' });
    expect(s.lastRollout).toMatchObject({ result: 'Succeeded', finishedAt: 't1' });
  });

  it('is deterministic: recomputing from the same observations gives the same status at a later time', () => {
    const inputs = { revision: 'r1', database: dbReady, deployment: deployment('r1', 2) };
    const first = computeStatus({ lhb: sampleBridge(), now: 't1', ...inputs });
    const second = computeStatus({ lhb: withStatus(sampleBridge(), first), now: 't9', ...inputs });
    expect(second).toEqual(first);
  });

  it('a missing master-key Secret is Ready=False with its reason at once, ahead of the database, and clears when found', () => {
    const why = {
      reason: 'AuthSecretNotFound',
      message: 'Secret team-a/lh-key (spec.auth.secretRef) not found',
    };
    const auth = { ready: false, ...why };
    // Pods that report ready (a fake node) do not make it Ready either.
    const inputs = { revision: 'r1', deployment: deployment('r1', 2) };
    const waiting = computeStatus({ lhb: sampleBridge(), now: 't0', ...inputs, database: dbWaiting, auth });
    expect(waiting.phase).toBe('Pending');
    expect(conditionOf(waiting.conditions, 'Ready')).toMatchObject({ status: 'False', ...why });
    expect(conditionOf(waiting.conditions, 'Reconciling')).toMatchObject({ status: 'True', ...why });
    expect(conditionOf(waiting.conditions, 'Stalled')).toMatchObject({ status: 'False' });
    expect(conditionOf(waiting.conditions, 'DatabaseReady')).toMatchObject({ reason: 'SecretNotFound' });
    const dbUp = computeStatus({ lhb: sampleBridge(), now: 't0', ...inputs, database: dbReady, auth });
    expect(conditionOf(dbUp.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'AuthSecretNotFound',
    });

    const found = { ready: true, reason: 'AuthSecretFound', message: 'ok' };
    const ready = computeStatus({
      lhb: withStatus(sampleBridge(), dbUp),
      now: 't1',
      ...inputs,
      database: dbReady,
      auth: found,
    });
    expect(ready.phase).toBe('Running');
    expect(conditionOf(ready.conditions, 'Ready')).toMatchObject({
      status: 'True',
      lastTransitionTime: 't1',
    });
  });

  it('is not available while the Deployment runs another template or has unready pods', () => {
    const old = computeStatus({
      lhb: sampleBridge(),
      now: 't',
      revision: 'r2',
      database: dbReady,
      deployment: deployment('r1', 2),
    });
    expect(conditionOf(old.conditions, 'BridgeAvailable')).toMatchObject({
      status: 'False',
      reason: 'TemplateOutdated',
    });
    expect(old.phase).toBe('Provisioning');
    const unready = computeStatus({
      lhb: sampleBridge(),
      now: 't',
      revision: 'r1',
      database: dbReady,
      deployment: deployment('r1', 1),
    });
    expect(conditionOf(unready.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'BridgeNotAvailable',
    });
  });

  it('replacing a good revision is phase Progressing (Reconciling=True) until the new one is available', () => {
    const good = computeStatus({
      lhb: sampleBridge(),
      now: 't1',
      revision: 'r1',
      database: dbReady,
      deployment: deployment('r1', 2),
    });
    const rolling = computeStatus({
      lhb: withStatus(sampleBridge(), good),
      now: 't2',
      revision: 'r2',
      database: dbReady,
      deployment: deployment('r2', 1, { updatedReplicas: 1, replicas: 3 }),
    });
    expect(rolling.phase).toBe('Progressing');
    expect(conditionOf(rolling.conditions, 'Reconciling')).toMatchObject({ status: 'True' });
    expect(rolling.lastRollout).toEqual({ revision: 'r2', startedAt: 't2', result: 'Progressing' });
    const done = computeStatus({
      lhb: withStatus(sampleBridge(), rolling),
      now: 't3',
      revision: 'r2',
      database: dbReady,
      deployment: deployment('r2', 2),
    });
    expect(done.phase).toBe('Running');
    expect(done.lastRollout).toEqual({
      revision: 'r2',
      startedAt: 't2',
      finishedAt: 't3',
      result: 'Succeeded',
    });
  });

  it('a config change the bridges have not confirmed keeps Reconciling=True (ConfigPending), phase Progressing', () => {
    const inputs = { now: 't', revision: 'r1', database: dbReady, deployment: deployment('r1', 2) };
    const pending = computeStatus({
      lhb: sampleBridge(),
      ...inputs,
      config: { desired: 'c2', applied: 'c1', pending: '1/2 ready bridges have loaded config c2' },
    });
    expect(pending).toMatchObject({
      phase: 'Progressing',
      configRevision: 'c2',
      appliedConfigRevision: 'c1',
    });
    expect(conditionOf(pending.conditions, 'Ready')).toMatchObject({ status: 'True' });
    expect(conditionOf(pending.conditions, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'ConfigPending',
      message: '1/2 ready bridges have loaded config c2',
    });
    const done = computeStatus({ lhb: sampleBridge(), ...inputs, config: { desired: 'c2', applied: 'c2' } });
    expect(done).toMatchObject({ phase: 'Running', configRevision: 'c2', appliedConfigRevision: 'c2' });
    expect(conditionOf(done.conditions, 'Reconciling')).toMatchObject({ status: 'False' });
  });

  it("pods the scheduler cannot place make BridgeAvailable=False reason Unschedulable, with the scheduler's message", () => {
    const why = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.";
    const inputs = { now: 't', revision: 'r1', database: dbReady, unschedulable: { pods: 2, message: why } };
    const s = computeStatus({ lhb: sampleBridge(), ...inputs, deployment: deployment('r1', 0) });
    const message = `2 bridge pods cannot be scheduled: ${why}`;
    expect(conditionOf(s.conditions, 'BridgeAvailable')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message,
    });
    expect(conditionOf(s.conditions, 'Ready')).toMatchObject({ reason: 'BridgeNotAvailable', message });
    expect(conditionOf(s.conditions, 'Reconciling')).toMatchObject({ status: 'True', message });
    expect(s.phase).toBe('Provisioning');
    // Once the progress deadline passes, that is the reason (and a rollback may follow).
    const late = deployment('r1', 0, {
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' },
      ],
    });
    const failed = computeStatus({ lhb: sampleBridge(), ...inputs, deployment: late });
    expect(conditionOf(failed.conditions, 'BridgeAvailable')).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
    });
    // Available bridges are available, whatever an extra pod waits for.
    const up = computeStatus({ lhb: sampleBridge(), ...inputs, deployment: deployment('r1', 2) });
    expect(conditionOf(up.conditions, 'BridgeAvailable')).toMatchObject({ status: 'True' });
  });

  it('pods the ReplicaSet cannot create make BridgeAvailable=False reason ReplicaFailure, with its message', () => {
    const why = 'pods "demo-bridge-5d8-x" is forbidden: no PriorityClass with name lighthouse-high was found';
    const d = deployment('r1', 0, {
      replicas: 0,
      conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: why }],
    });
    const s = computeStatus({
      lhb: sampleBridge(),
      now: 't',
      revision: 'r1',
      database: dbReady,
      deployment: d,
    });
    expect(conditionOf(s.conditions, 'BridgeAvailable')).toMatchObject({
      status: 'False',
      reason: 'ReplicaFailure',
      message: why,
    });
    expect(conditionOf(s.conditions, 'Ready')).toMatchObject({ reason: 'BridgeNotAvailable', message: why });
  });

  it('a failed rollout is Degraded and Stalled', () => {
    const d = deployment('r1', 1, {
      updatedReplicas: 1,
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' },
      ],
    });
    const s = computeStatus({
      lhb: sampleBridge(),
      now: 't',
      revision: 'r1',
      database: dbReady,
      deployment: d,
    });
    expect(s.phase).toBe('Degraded');
    expect(conditionOf(s.conditions, 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(conditionOf(s.conditions, 'Stalled')).toMatchObject({ status: 'True' });
    expect(s.lastRollout).toMatchObject({ result: 'Failed' });
  });

  it('a deadline the Deployment passed on its previous template fails no rollout of the new one', () => {
    // The fix was just applied: the controller has not seen generation 3 yet, and the
    // condition is the failed revision's.
    const stale = deployment('r2', 1, {
      observedGeneration: 2,
      updatedReplicas: 0,
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'r1 too slow' },
      ],
    });
    stale.metadata!.generation = 3;
    const s = computeStatus({
      lhb: withStatus(sampleBridge(), {
        lastRollout: { revision: 'r1', startedAt: 't0', finishedAt: 't1', result: 'Failed' },
      }),
      now: 't2',
      revision: 'r2',
      database: dbReady,
      deployment: stale,
    });
    expect(s.lastRollout).toEqual({ revision: 'r2', startedAt: 't2', result: 'Progressing' });
    expect(conditionOf(s.conditions, 'Stalled')).toMatchObject({ status: 'False' });
    expect(s.phase).not.toBe('Degraded');
  });

  it('an apply error is a reconcile error; a terminal one stalls the resource (phase Failed)', () => {
    const s = computeStatus({
      lhb: sampleBridge(),
      now: 't',
      revision: 'r1',
      database: dbReady,
      applyError: { message: 'Deployment is invalid', terminal: true },
    });
    expect(s.phase).toBe('Failed');
    expect(conditionOf(s.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'ReconcileError' });
    expect(conditionOf(s.conditions, 'Stalled')).toMatchObject({ status: 'True', reason: 'ApplyFailed' });
  });

  it('says Paused when spec.paused is set', () => {
    const s = computeStatus({
      lhb: sampleBridge({ paused: true }),
      now: 't',
      revision: 'r1',
      database: dbReady,
    });
    expect(s.phase).toBe('Paused');
    expect(conditionOf(s.conditions, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Paused' });
  });

  it('names the CNPG cluster in managed mode', () => {
    const lhb = sampleBridge({ database: { managed: { instances: 3, storage: { size: '1Gi' } } } });
    expect(computeStatus({ lhb, now: 't', revision: 'r', database: dbWaiting }).database).toEqual({
      mode: 'managed',
      cluster: 'demo-db',
      ready: false,
    });
  });
});
