// Is the master-key Secret the user named (spec.auth.secretRef) there? The
// bridge mounts that key, so without it the pods never start and the resource
// would only report unavailable bridges. From what the operator observed (no
// API calls here).
import type { ExternalSecretState } from './database-status.js';

export interface AuthSecretRef {
  namespace: string;
  name: string;
  key: string;
}

export interface AuthStatus {
  ready: boolean;
  reason: string;
  message: string;
}

export function authStatus(ref: AuthSecretRef, state: ExternalSecretState): AuthStatus {
  const secret = `Secret ${ref.namespace}/${ref.name}`;
  switch (state) {
    case 'found':
      return { ready: true, reason: 'AuthSecretFound', message: `master key in key ${ref.key} of ${secret}` };
    case 'key-missing':
      return {
        ready: false,
        reason: 'AuthSecretKeyMissing',
        message: `${secret} (spec.auth.secretRef) has no key ${ref.key}: waiting for the master key in it`,
      };
    case 'missing':
      return {
        ready: false,
        reason: 'AuthSecretNotFound',
        message: `${secret} (spec.auth.secretRef) not found: waiting for it, with the master key in key ${ref.key}`,
      };
  }
}
