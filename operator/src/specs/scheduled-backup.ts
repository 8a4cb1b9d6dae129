// <name>-db ScheduledBackup with method: plugin (the Barman Cloud plugin).
import type { KubernetesObject } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { BARMAN_PLUGIN } from './barman-object-store.js';
import { CNPG_API_VERSION } from './cnpg-cluster.js';
import { childMetadata, childNames } from './labels.js';

export interface ScheduledBackup extends KubernetesObject {
  spec: Record<string, unknown>;
}

export function buildScheduledBackup(lhb: LighthouseBridge): ScheduledBackup | undefined {
  const backup = lhb.spec.database.managed?.backup;
  if (!backup) return undefined;
  const names = childNames(lhb.metadata.name);
  return {
    apiVersion: CNPG_API_VERSION,
    kind: 'ScheduledBackup',
    metadata: childMetadata(lhb, names.database, 'backup'),
    spec: {
      schedule: backup.schedule,
      backupOwnerReference: 'self',
      cluster: { name: names.database },
      method: 'plugin',
      pluginConfiguration: { name: BARMAN_PLUGIN },
    },
  };
}
