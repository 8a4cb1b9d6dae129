// <name>-backup Barman Cloud ObjectStore (barmancloud.cnpg.io/v1): where the
// managed database's WAL and base backups go (CNPG ≥ 1.26 plugin, replacing barmanObjectStore).
import type { KubernetesObject } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { childMetadata, childNames } from './labels.js';

export const BARMAN_API_VERSION = 'barmancloud.cnpg.io/v1';
export const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';

export interface ObjectStore extends KubernetesObject {
  spec: Record<string, unknown>;
}

export function buildObjectStore(lhb: LighthouseBridge): ObjectStore | undefined {
  const backup = lhb.spec.database.managed?.backup;
  if (!backup) return undefined;
  const creds = backup.credentialsSecret;
  return {
    apiVersion: BARMAN_API_VERSION,
    kind: 'ObjectStore',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).objectStore, 'backup'),
    spec: {
      retentionPolicy: backup.retention,
      configuration: {
        destinationPath: backup.destinationPath,
        ...(backup.endpointURL ? { endpointURL: backup.endpointURL } : {}),
        s3Credentials: {
          accessKeyId: { name: creds.name, key: creds.accessKeyIdKey },
          secretAccessKey: { name: creds.name, key: creds.secretAccessKeyKey },
        },
        wal: { compression: 'gzip' },
        data: { compression: 'gzip' },
      },
    },
  };
}
