// Turns a rollout decision into the Deployment to apply, and records good
// templates in the revision history once they are available.
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import type { Logger } from 'winston';

import type { LighthouseBridge, LighthouseBridgeStatus } from '../api/types.js';
import { conditionOf } from '../controller/conditions.js';
import { REVISION_ANNOTATION } from '../specs/revision.js';
import { decideRollout, ROLLED_BACK_FROM_ANNOTATION, type RolloutAction } from './decide.js';
import type { RevisionHistory } from './history.js';

export interface RolloutPlan {
  /** The children to apply, the Deployment carrying the chosen template. */
  applied: KubernetesObject[];
  /** Revision of the template applied. */
  revision: string;
  action: RolloutAction;
}

const isDeployment = (o: KubernetesObject): o is V1Deployment => o.kind === 'Deployment';

export async function planRollout(
  lhb: LighthouseBridge,
  desired: { applied: KubernetesObject[]; revision: string },
  live: V1Deployment | undefined,
  history: RevisionHistory,
  log: Logger,
): Promise<RolloutPlan> {
  const action = decideRollout({
    desired: desired.revision,
    autoRollback: lhb.spec.rollout.autoRollback,
    paused: lhb.spec.paused,
    status: lhb.status,
    deployment: live,
  });
  if (action.kind === 'apply') {
    await keepLiveGood(lhb, live, desired.revision, history).catch((err: unknown) =>
      log.warn('storing the running good template failed', { error: String(err) }),
    );
    return { ...desired, action };
  }
  const template = await history.load(lhb, action.to);
  if (!template) {
    // Without the good template there is nothing to roll back to: the failure stays visible (Stalled).
    log.warn('no stored template to roll back to', { failed: action.failed, lastGood: action.to });
    return { ...desired, action: { kind: 'apply' } };
  }
  const applied = desired.applied.map((o) =>
    isDeployment(o)
      ? {
          ...o,
          metadata: {
            ...o.metadata,
            annotations: { ...o.metadata?.annotations, [ROLLED_BACK_FROM_ANNOTATION]: action.failed },
          },
          spec: { ...o.spec!, template },
        }
      : o,
  );
  return { applied, revision: action.to, action };
}

/**
 * Before a new template replaces the running one, make sure the running one is in
 * the history if it is the last good revision: storing it when it became good may
 * have failed, or the operator may have stopped before it could.
 */
async function keepLiveGood(
  lhb: LighthouseBridge,
  live: V1Deployment | undefined,
  desired: string,
  history: RevisionHistory,
): Promise<void> {
  const running = live?.spec?.template.metadata?.annotations?.[REVISION_ANNOTATION];
  if (!live?.spec || !running || running === desired || running !== lhb.status?.lastGoodRevision) return;
  await history.remember(lhb, running, live.spec.template, [running], lhb.status.observedGeneration);
}

/** Once the applied template is available, keep it as the last good one. */
export async function rememberIfGood(
  lhb: LighthouseBridge,
  plan: RolloutPlan,
  status: LighthouseBridgeStatus,
  history: RevisionHistory,
): Promise<boolean> {
  if (conditionOf(status.conditions, 'BridgeAvailable')?.status !== 'True') return false;
  if (status.lastGoodRevision !== plan.revision) return false;
  const deployment = plan.applied.find(isDeployment);
  if (!deployment?.spec) return false;
  const protect = [status.currentRevision, lhb.status?.lastGoodRevision].filter((r): r is string => !!r);
  return history.remember(lhb, plan.revision, deployment.spec.template, protect);
}
