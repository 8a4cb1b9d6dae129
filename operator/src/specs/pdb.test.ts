import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildPdb } from './pdb.js';

describe('buildPdb', () => {
  it('keeps one bridge available when there are several', () => {
    const pdb = buildPdb(sampleBridge({ replicas: 3 }))!;
    expect(pdb.spec!.minAvailable).toBe(1);
    expect(pdb.spec!.selector!.matchLabels!['app.kubernetes.io/instance']).toBe('demo');
  });

  it('is absent with a single replica, and follows minReplicas under autoscaling', () => {
    expect(buildPdb(sampleBridge({ replicas: 1 }))).toBeUndefined();
    expect(
      buildPdb(
        sampleBridge({
          replicas: 1,
          autoscaling: { minReplicas: 2, maxReplicas: 3, targetCPUUtilizationPercentage: 80 },
        }),
      ),
    ).toBeDefined();
  });
});
