// <name>-db CloudNativePG Cluster for database.managed. CNPG generates
// <name>-db-app (key `uri`, host <name>-db-rw) that the bridge reads.
import type { KubernetesObject } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { BARMAN_PLUGIN } from './barman-object-store.js';
import { childMetadata, childNames } from './labels.js';

export const CNPG_API_VERSION = 'postgresql.cnpg.io/v1';

export interface CnpgCluster extends KubernetesObject {
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    instances?: number;
    readyInstances?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export function buildCnpgCluster(lhb: LighthouseBridge): CnpgCluster | undefined {
  const managed = lhb.spec.database.managed;
  if (!managed) return undefined;
  const names = childNames(lhb.metadata.name);
  return {
    apiVersion: CNPG_API_VERSION,
    kind: 'Cluster',
    metadata: childMetadata(lhb, names.database, 'database'),
    spec: {
      instances: managed.instances,
      storage: {
        size: managed.storage.size,
        ...(managed.storage.storageClass ? { storageClass: managed.storage.storageClass } : {}),
      },
      bootstrap: { initdb: { database: 'lighthouse', owner: 'lighthouse' } },
      ...(managed.parameters ? { postgresql: { parameters: managed.parameters } } : {}),
      ...(managed.backup
        ? {
            plugins: [
              {
                name: BARMAN_PLUGIN,
                isWALArchiver: true,
                parameters: { barmanObjectName: names.objectStore },
              },
            ],
          }
        : {}),
    },
  };
}
