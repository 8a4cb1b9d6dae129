// Whether the scheduler placed the bridge pods of a revision. The Deployment's
// status only counts unavailable pods; why a pod waits for a node is in its own
// PodScheduled condition, which the scheduler sets when it cannot place it.
import type { V1Pod } from '@kubernetes/client-node';

import { REVISION_ANNOTATION } from '../specs/revision.js';

export interface Placement {
  /** Pods of the revision not bound to a node yet (the scheduler may not have tried). */
  unbound: number;
  /** Those the scheduler could not place, and its message for the first of them. */
  unschedulable?: { pods: number; message: string };
}

export function placementOf(pods: V1Pod[], revision: string): Placement {
  const unbound = pods.filter(
    (p) =>
      p.metadata?.annotations?.[REVISION_ANNOTATION] === revision &&
      !p.metadata.deletionTimestamp &&
      !p.spec?.nodeName,
  );
  const refused = unbound.flatMap(
    (p) =>
      p.status?.conditions?.filter(
        (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
      ) ?? [],
  );
  return {
    unbound: unbound.length,
    ...(refused.length > 0
      ? { unschedulable: { pods: refused.length, message: refused[0]!.message ?? '' } }
      : {}),
  };
}
