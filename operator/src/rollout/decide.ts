// Which pod template to apply: the spec's, or the last good one after a failed
// rollout. Pure: every input is state the cluster keeps (the resource's status,
// the live Deployment), so a restarted operator decides exactly as before.
import type { V1Deployment } from '@kubernetes/client-node';

import type { LighthouseBridgeStatus } from '../api/types.js';
import { REVISION_ANNOTATION } from '../specs/revision.js';

/** Set on the Deployment when it runs the last good template instead of this (failed) revision. */
export const ROLLED_BACK_FROM_ANNOTATION = 'lighthouse.dev/rolled-back-from';

export type RolloutAction =
  | { kind: 'apply' }
  /** Run `to` (the last good revision) because `failed` (the spec's revision) did not become available. */
  | { kind: 'rollback'; to: string; failed: string };

export interface RolloutInputs {
  /** Revision of the template the spec asks for. */
  desired: string;
  autoRollback: boolean;
  /** spec.paused: nothing is applied, so no rollback starts (one already applied is held). */
  paused?: boolean;
  status: LighthouseBridgeStatus | undefined;
  deployment: V1Deployment | undefined;
}

/** The Deployment runs `revision` and its controller has given up on it (ProgressDeadlineExceeded). */
export function deadlineExceeded(d: V1Deployment | undefined, revision: string): boolean {
  if (!d || d.spec?.template.metadata?.annotations?.[REVISION_ANNOTATION] !== revision) return false;
  // A condition from before our last template change says nothing about this revision.
  if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return false;
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  return progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
}

export function decideRollout(i: RolloutInputs): RolloutAction {
  const lastGood = i.status?.lastGoodRevision;
  if (!i.autoRollback || !lastGood || lastGood === i.desired) return { kind: 'apply' };
  const rollback = { kind: 'rollback', to: lastGood, failed: i.desired } as const;
  // Already rolled back from this revision: hold there until the spec asks for another one.
  if (i.deployment?.metadata?.annotations?.[ROLLED_BACK_FROM_ANNOTATION] === i.desired) return rollback;
  const last = i.status?.lastRollout;
  if (last?.revision === i.desired && last.result === 'RolledBack') return rollback;
  // Paused, nothing would be applied: starting a rollback would only claim one in the
  // status and Events. The failure stays visible (Stalled); unpausing rolls back.
  if (!i.paused && deadlineExceeded(i.deployment, i.desired)) return rollback;
  return { kind: 'apply' };
}
