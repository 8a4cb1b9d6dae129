// <name>-bridge PodDisruptionBudget: keeps one bridge up during voluntary
// disruptions, only when there is more than one (with one, it would block drains).
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { childMetadata, childNames, selectorLabels } from './labels.js';

export function buildPdb(lhb: LighthouseBridge): V1PodDisruptionBudget | undefined {
  const minPods = lhb.spec.autoscaling ? lhb.spec.autoscaling.minReplicas : lhb.spec.replicas;
  if (minPods <= 1) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).bridge, 'bridge'),
    spec: { minAvailable: 1, selector: { matchLabels: selectorLabels(lhb, 'bridge') } },
  };
}
