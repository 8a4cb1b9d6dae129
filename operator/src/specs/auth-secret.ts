// <name>-auth Secret: a random master key, created once when spec.auth.secretRef
// is absent. It is only ever created, never applied again, so the key is never replaced.
import { randomBytes } from 'node:crypto';

import type { V1Secret } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { childMetadata, childNames } from './labels.js';

export const MASTER_KEY_BYTES = 32;

export function buildAuthSecret(
  lhb: LighthouseBridge,
  random: (n: number) => Buffer = randomBytes,
): V1Secret | undefined {
  if (lhb.spec.auth?.secretRef) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).auth, 'auth'),
    type: 'Opaque',
    // Hex: the bridge reads the file as text (64 characters).
    stringData: { 'master-key': random(MASTER_KEY_BYTES).toString('hex') },
  };
}
