// Hands the bridge Deployment's replica count over to the HPA. While the spec
// sets `replicas`, our field manager owns spec.replicas; with autoscaling we
// stop applying it, and server-side apply removes a field its sole owner
// stops applying: the API server would reset the count to 1 and kill running
// bridges until the HPA scales back up. So, before the first apply without
// replicas, a second field manager applies the live count: it keeps the field
// (and its value) until the autoscaler's next scale takes it over.
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';

import { isConflict, type RestClient } from '../kube/rest.js';
import { FIELD_MANAGER } from '../specs/labels.js';

/** Co-owns spec.replicas of an autoscaled Deployment, so our own applies may leave the field out. */
export const REPLICAS_HANDOVER_MANAGER = `${FIELD_MANAGER}-replicas-handover`;

/** The apply that keeps `live`'s replica count when `desired` no longer sets it, or undefined. */
export function replicasHandover(
  desired: KubernetesObject,
  live: KubernetesObject | undefined,
): V1Deployment | undefined {
  if (desired.kind !== 'Deployment' || !live) return undefined;
  if ((desired as V1Deployment).spec?.replicas !== undefined) return undefined;
  const replicas = (live as V1Deployment).spec?.replicas;
  if (replicas === undefined) return undefined;
  const { name, namespace } = live.metadata ?? {};
  return {
    apiVersion: desired.apiVersion!,
    kind: desired.kind,
    metadata: { name, namespace },
    spec: { replicas } as V1Deployment['spec'],
  };
}

export async function handOverReplicas(
  rest: RestClient,
  path: string,
  desired: KubernetesObject,
  live: KubernetesObject | undefined,
): Promise<void> {
  const handover = replicasHandover(desired, live);
  if (!handover) return;
  try {
    // Not forced: if the autoscaler changed the count since our cache saw it, it
    // owns the field already (a conflict), and our stale count must not undo its scale.
    await rest.apply(path, handover, REPLICAS_HANDOVER_MANAGER, false);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}
