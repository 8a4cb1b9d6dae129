// <name>-data PersistentVolumeClaim: the embedded store's data directory.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { childMetadata, childNames } from './labels.js';

export function buildPvc(lhb: LighthouseBridge): V1PersistentVolumeClaim | undefined {
  const embedded = lhb.spec.database.embedded;
  if (!embedded) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).data, 'storage'),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: embedded.storage.size } },
      ...(embedded.storage.storageClass ? { storageClassName: embedded.storage.storageClass } : {}),
    },
  };
}
