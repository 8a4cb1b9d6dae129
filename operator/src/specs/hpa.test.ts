import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildHpa } from './hpa.js';

describe('buildHpa', () => {
  it('is absent without autoscaling', () => {
    expect(buildHpa(sampleBridge())).toBeUndefined();
  });

  it('scales the bridge Deployment on CPU utilisation', () => {
    const hpa = buildHpa(
      sampleBridge({ autoscaling: { minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 75 } }),
    )!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-bridge' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 75 } },
        },
      ],
    });
  });
});
