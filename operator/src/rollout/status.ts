// What a rollback adds to the status computed for the template that runs:
// the failed revision's rollout, phase RollingBack then Degraded, and a
// Degraded condition naming the failed revision. Pure.
import type { LighthouseBridge, LighthouseBridgeStatus } from '../api/types.js';
import { conditionOf, setConditions } from '../controller/conditions.js';
import type { BridgeEvent } from '../controller/events.js';
import type { RolloutAction } from './decide.js';

export const ROLLED_BACK_REASON = 'RolledBack';

export function withRollout(
  lhb: LighthouseBridge,
  status: LighthouseBridgeStatus,
  action: RolloutAction,
  now: string,
): LighthouseBridgeStatus {
  if (action.kind !== 'rollback') return status;
  const prev = lhb.status ?? {};
  const last = prev.lastRollout;
  const lastRollout =
    last?.revision === action.failed && last.result === 'RolledBack'
      ? last
      : {
          revision: action.failed,
          startedAt: last?.revision === action.failed ? last.startedAt : now,
          finishedAt: now,
          result: 'RolledBack' as const,
        };
  const degraded = setConditions(
    prev.conditions,
    [
      {
        type: 'Degraded',
        status: 'True',
        reason: ROLLED_BACK_REASON,
        message:
          `revision ${action.failed} did not become available within ` +
          `${lhb.spec.rollout.progressDeadlineSeconds}s; rolled back to ${action.to}. ` +
          'Change the spec to try again.',
      },
    ],
    lhb.metadata.generation,
    now,
  )[0]!;
  const available = conditionOf(status.conditions, 'BridgeAvailable')?.status === 'True';
  return {
    ...status,
    phase: lhb.spec.paused ? 'Paused' : available ? 'Degraded' : 'RollingBack',
    conditions: (status.conditions ?? []).map((c) => (c.type === 'Degraded' ? degraded : c)),
    lastRollout,
  };
}

/** A Warning Event when a rollback starts (derived from the status, so a restart does not repeat it). */
export function rollbackEvents(
  prev: LighthouseBridgeStatus | undefined,
  next: LighthouseBridgeStatus,
): BridgeEvent[] {
  const before = conditionOf(prev?.conditions, 'Degraded');
  const after = conditionOf(next.conditions, 'Degraded');
  if (after?.reason !== ROLLED_BACK_REASON || after.status !== 'True') return [];
  if (before?.reason === ROLLED_BACK_REASON && before.status === 'True' && before.message === after.message)
    return [];
  return [{ type: 'Warning', reason: ROLLED_BACK_REASON, message: after.message }];
}
