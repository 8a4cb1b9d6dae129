import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildAuthSecret } from './auth-secret.js';

describe('buildAuthSecret', () => {
  it('holds 32 random bytes as hex under master-key, different every time', () => {
    const a = buildAuthSecret(sampleBridge())!;
    const b = buildAuthSecret(sampleBridge())!;
    expect(a.metadata!.name).toBe('demo-auth');
    expect(a.stringData!['master-key']).toMatch(/^[0-9a-f]{64}$/);
    expect(a.stringData!['master-key']).not.toBe(b.stringData!['master-key']);
    expect(a.metadata!.labels!['app.kubernetes.io/component']).toBe('auth');
  });

  it('uses the random source it is given', () => {
    const s = buildAuthSecret(sampleBridge(), (n) => Buffer.alloc(n, 1))!;
    expect(s.stringData!['master-key']).toBe('01'.repeat(32));
  });

  it('is not generated when the user names a Secret', () => {
    expect(
      buildAuthSecret(sampleBridge({ auth: { secretRef: { name: 'mine', key: 'k' } } })),
    ).toBeUndefined();
  });
});
