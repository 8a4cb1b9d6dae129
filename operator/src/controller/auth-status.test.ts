import { describe, expect, it } from '@jest/globals';

import { authStatus } from './auth-status.js';

const ref = { namespace: 'team-a', name: 'lh-key', key: 'master-key' };

describe('authStatus', () => {
  it('is ready when the Secret holds the key', () => {
    expect(authStatus(ref, 'found')).toMatchObject({ ready: true, reason: 'AuthSecretFound' });
  });

  it('names the namespace, Secret and key when the Secret is missing', () => {
    expect(authStatus(ref, 'missing')).toEqual({
      ready: false,
      reason: 'AuthSecretNotFound',
      message:
        'Secret team-a/lh-key (spec.auth.secretRef) not found: waiting for it, with the master key in key master-key',
    });
  });

  it('names the key the Secret lacks', () => {
    expect(authStatus(ref, 'key-missing')).toEqual({
      ready: false,
      reason: 'AuthSecretKeyMissing',
      message:
        'Secret team-a/lh-key (spec.auth.secretRef) has no key master-key: waiting for the master key in it',
    });
  });
});
