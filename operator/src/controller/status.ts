// The status of a LighthouseBridge from what the operator observed. Pure and
// deterministic: the same observations give the same status (so an unchanged
// resource gets no status write); `now` only lands where something changed.
import type { V1Deployment } from '@kubernetes/client-node';

import {
  databaseMode,
  type LighthouseBridge,
  type LighthouseBridgeStatus,
  type Phase,
} from '../api/types.js';
import { deadlineExceeded as pastDeadline } from '../rollout/decide.js';
import { childNames } from '../specs/labels.js';
import { endpointOf } from '../specs/service.js';
import { REVISION_ANNOTATION } from '../specs/revision.js';
import type { AuthStatus } from './auth-status.js';
import { setConditions, type ConditionInput } from './conditions.js';
import type { DatabaseStatus } from './database-status.js';

export interface StatusInputs {
  lhb: LighthouseBridge;
  now: string;
  /** Revision of the pod template we apply. */
  revision: string;
  database: DatabaseStatus;
  /** The master-key Secret the spec names (spec.auth.secretRef); absent when the operator generates it. */
  auth?: AuthStatus;
  /** The live bridge Deployment, if any. */
  deployment?: V1Deployment;
  /** Applying children failed; terminal errors (invalid, forbidden) stall the resource. */
  applyError?: { message: string; terminal: boolean };
  /** The ConfigMap's config revision, the one the bridges confirmed, and why not yet (if not). */
  config?: { desired: string; applied?: string; pending?: string };
  /** Pods of the revision the scheduler could not place, with its reason. */
  unschedulable?: { pods: number; message: string };
}

interface Availability {
  available: boolean;
  reason: string;
  message: string;
  deadlineExceeded: boolean;
  ready: number;
  replicas: number;
}

export function bridgeAvailability(d: V1Deployment | undefined, revision: string): Availability {
  if (!d) {
    return {
      available: false,
      reason: 'DeploymentMissing',
      message: 'the bridge Deployment does not exist yet',
      deadlineExceeded: false,
      ready: 0,
      replicas: 0,
    };
  }
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  const ready = s.readyReplicas ?? 0;
  // Only this revision's, once the Deployment controller has seen it: a condition left
  // from the previous template would fail a rollout that has not started.
  const deadlineExceeded = pastDeadline(d, revision);
  const base = { deadlineExceeded, ready, replicas: s.replicas ?? 0 };
  if (d.spec?.template.metadata?.annotations?.[REVISION_ANNOTATION] !== revision) {
    return {
      ...base,
      available: false,
      reason: 'TemplateOutdated',
      message: `revision ${revision} not applied yet`,
    };
  }
  const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  if (observed && updated === want && available >= want && total === want) {
    return {
      ...base,
      available: true,
      reason: 'MinimumReplicasAvailable',
      message: `${ready}/${want} bridges ready`,
    };
  }
  if (deadlineExceeded) {
    return {
      ...base,
      available: false,
      reason: 'ProgressDeadlineExceeded',
      message: s.conditions?.find((c) => c.type === 'Progressing')?.message ?? '',
    };
  }
  // Pods the ReplicaSet could not create (a missing PriorityClass, a quota): the Deployment relays why.
  const failure = s.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (failure) return { ...base, available: false, reason: 'ReplicaFailure', message: failure.message ?? '' };
  return {
    ...base,
    available: false,
    reason: updated < want || total > want ? 'RolloutInProgress' : 'ReplicasNotReady',
    message: `${available}/${want} bridges available, ${updated} on revision ${revision}`,
  };
}

/** The scheduler's reason says more than the pod counts do, until the deadline decides. */
function withUnschedulable(b: Availability, u: StatusInputs['unschedulable']): Availability {
  if (!u || b.available || b.deadlineExceeded) return b;
  const pods = u.pods === 1 ? '1 bridge pod' : `${u.pods} bridge pods`;
  return { ...b, reason: 'Unschedulable', message: `${pods} cannot be scheduled: ${u.message}` };
}

export function computeStatus(i: StatusInputs): LighthouseBridgeStatus {
  const { lhb, now, revision, database } = i;
  const prev = lhb.status ?? {};
  const bridge = withUnschedulable(bridgeAvailability(i.deployment, revision), i.unschedulable);
  const paused = lhb.spec.paused;
  const stalledReason = i.applyError?.terminal
    ? { reason: 'ApplyFailed', message: i.applyError.message }
    : bridge.deadlineExceeded
      ? { reason: 'ProgressDeadlineExceeded', message: bridge.message }
      : undefined;
  // Like the database Secret: without the master key no bridge can (re)start.
  const authWaiting = i.auth && !i.auth.ready ? i.auth : undefined;
  const ready = database.ready && !authWaiting && bridge.available && !i.applyError;
  const configPending = paused ? undefined : i.config?.pending;

  let readyCond: ConditionInput;
  if (ready)
    readyCond = {
      type: 'Ready',
      status: 'True',
      reason: 'Ready',
      message: `bridge serving at ${endpointOf(lhb)}`,
    };
  else if (i.applyError)
    readyCond = { type: 'Ready', status: 'False', reason: 'ReconcileError', message: i.applyError.message };
  // Before the database: DatabaseReady keeps the database's own reason visible meanwhile.
  else if (authWaiting)
    readyCond = { type: 'Ready', status: 'False', reason: authWaiting.reason, message: authWaiting.message };
  else if (!database.ready)
    readyCond = { type: 'Ready', status: 'False', reason: 'DatabaseNotReady', message: database.message };
  else readyCond = { type: 'Ready', status: 'False', reason: 'BridgeNotAvailable', message: bridge.message };

  const conditions = setConditions(
    prev.conditions,
    [
      readyCond,
      paused
        ? {
            type: 'Reconciling',
            status: 'False',
            reason: 'Paused',
            message: 'spec.paused is true: children are not reconciled',
          }
        : ready && configPending
          ? { type: 'Reconciling', status: 'True', reason: 'ConfigPending', message: configPending }
          : ready || stalledReason
            ? { type: 'Reconciling', status: 'False', reason: ready ? 'Reconciled' : 'Stalled', message: '' }
            : { type: 'Reconciling', status: 'True', reason: readyCond.reason, message: readyCond.message },
      stalledReason
        ? { type: 'Stalled', status: 'True', ...stalledReason }
        : { type: 'Stalled', status: 'False', reason: 'Progressing', message: '' },
      {
        type: 'DatabaseReady',
        status: database.ready ? 'True' : 'False',
        reason: database.reason,
        message: database.message,
      },
      {
        type: 'BridgeAvailable',
        status: bridge.available ? 'True' : 'False',
        reason: bridge.reason,
        message: bridge.message,
      },
      bridge.deadlineExceeded
        ? { type: 'Degraded', status: 'True', reason: 'ProgressDeadlineExceeded', message: bridge.message }
        : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
    ],
    lhb.metadata.generation,
    now,
  );

  const rollout = nextRollout(prev, revision, bridge, now);
  // A new revision replacing one that was good: Progressing; a first start: Provisioning.
  const replacing = !!prev.lastGoodRevision && prev.lastGoodRevision !== revision;
  let phase: Phase;
  if (paused) phase = 'Paused';
  else if (stalledReason && !bridge.deadlineExceeded) phase = 'Failed';
  else if (bridge.deadlineExceeded) phase = 'Degraded';
  else if (ready) phase = configPending ? 'Progressing' : 'Running';
  else if (!database.ready || authWaiting) phase = 'Pending';
  else if (replacing && rollout.result === 'Progressing') phase = 'Progressing';
  else phase = 'Provisioning';

  const mode = databaseMode(lhb.spec);
  return {
    ...(lhb.metadata.generation !== undefined ? { observedGeneration: lhb.metadata.generation } : {}),
    phase,
    conditions,
    replicas: bridge.replicas,
    readyReplicas: bridge.ready,
    endpoint: endpointOf(lhb),
    database: {
      mode,
      ...(mode === 'managed' ? { cluster: childNames(lhb.metadata.name).database } : {}),
      ready: database.ready,
    },
    currentRevision: revision,
    ...(bridge.available
      ? { lastGoodRevision: revision }
      : prev.lastGoodRevision
        ? { lastGoodRevision: prev.lastGoodRevision }
        : {}),
    lastRollout: rollout,
    ...(i.config ? { configRevision: i.config.desired } : {}),
    ...(i.config?.applied ? { appliedConfigRevision: i.config.applied } : {}),
  };
}

/** A new revision starts a rollout; availability or the progress deadline ends it. */
function nextRollout(
  prev: LighthouseBridgeStatus,
  revision: string,
  bridge: Availability,
  now: string,
): NonNullable<LighthouseBridgeStatus['lastRollout']> {
  const last = prev.lastRollout;
  const current =
    last && last.revision === revision ? last : { revision, startedAt: now, result: 'Progressing' as const };
  if (current.result !== 'Progressing') return current;
  if (bridge.available) return { ...current, finishedAt: now, result: 'Succeeded' };
  if (bridge.deadlineExceeded) return { ...current, finishedAt: now, result: 'Failed' };
  return current;
}
