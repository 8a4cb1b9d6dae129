// <name>-bridge HorizontalPodAutoscaler (autoscaling/v2), only when spec.autoscaling is set.
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { childMetadata, childNames } from './labels.js';

export function buildHpa(lhb: LighthouseBridge): V2HorizontalPodAutoscaler | undefined {
  const a = lhb.spec.autoscaling;
  if (!a) return undefined;
  const name = childNames(lhb.metadata.name).bridge;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMetadata(lhb, name, 'bridge'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: a.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
}
