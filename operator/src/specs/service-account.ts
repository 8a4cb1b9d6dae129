// <name>-bridge ServiceAccount: the bridge never talks to the Kubernetes API, so no token is mounted.
import type { V1ServiceAccount } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { childMetadata, childNames } from './labels.js';

export function buildServiceAccount(lhb: LighthouseBridge): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).bridge, 'bridge'),
    automountServiceAccountToken: false,
  };
}
