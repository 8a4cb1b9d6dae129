import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildPvc } from './pvc.js';

describe('buildPvc', () => {
  it('claims the embedded storage size (and class) as ReadWriteOnce', () => {
    const pvc = buildPvc(
      sampleBridge({
        replicas: 1,
        database: { embedded: { storage: { size: '5Gi', storageClass: 'fast' } } },
      }),
    )!;
    expect(pvc.metadata!.name).toBe('demo-data');
    expect(pvc.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '5Gi' } },
      storageClassName: 'fast',
    });
  });

  it('is absent for other database modes', () => {
    expect(buildPvc(sampleBridge())).toBeUndefined();
  });
});
