import { describe, expect, it } from '@jest/globals';

import { childMetadata, childNames, labels } from './labels.js';
import { sampleBridge } from '../api/fixture.js';

describe('labels and owner references', () => {
  it('labels carry the five app.kubernetes.io keys', () => {
    expect(labels(sampleBridge(), 'bridge')).toEqual({
      'app.kubernetes.io/name': 'lighthouse-bridge',
      'app.kubernetes.io/instance': 'demo',
      'app.kubernetes.io/component': 'bridge',
      'app.kubernetes.io/managed-by': 'lighthouse-operator',
      'app.kubernetes.io/part-of': 'lighthouse',
    });
  });

  it('child metadata has one controller owner reference that blocks owner deletion', () => {
    const meta = childMetadata(sampleBridge(), 'demo-bridge', 'bridge');
    expect(meta.namespace).toBe('team-a');
    expect(meta.ownerReferences).toEqual([
      {
        apiVersion: 'lighthouse.dev/v1alpha1',
        kind: 'LighthouseBridge',
        name: 'demo',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('refuses to build an owner reference without a uid', () => {
    const lhb = sampleBridge();
    delete lhb.metadata.uid;
    expect(() => childMetadata(lhb, 'x', 'bridge')).toThrow(/has no uid/);
  });

  it('names children after the resource', () => {
    expect(childNames('demo')).toMatchObject({
      bridge: 'demo-bridge',
      config: 'demo-config',
      database: 'demo-db',
    });
  });
});
