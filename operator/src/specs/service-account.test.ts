import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildServiceAccount } from './service-account.js';

describe('buildServiceAccount', () => {
  it('does not automount a token', () => {
    const sa = buildServiceAccount(sampleBridge());
    expect(sa.metadata!.name).toBe('demo-bridge');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(sa.metadata!.ownerReferences).toHaveLength(1);
  });
});
