// Is the bridge's database there? One answer per database mode, from what the
// operator observed (no API calls here).
import type { DatabaseMode } from '../api/types.js';
import type { CnpgCluster } from '../specs/cnpg-cluster.js';

export type ExternalSecretState = 'found' | 'missing' | 'key-missing';

export interface DatabaseObservation {
  mode: DatabaseMode;
  /** managed: whether the postgresql.cnpg.io API exists. */
  cnpgInstalled?: boolean;
  cluster?: CnpgCluster;
  clusterName?: string;
  /** external: the referenced Secret and key. */
  externalSecret?: ExternalSecretState;
  externalRef?: { name: string; key: string };
  /** embedded: the data PVC's phase. */
  pvcPhase?: string;
}

export interface DatabaseStatus {
  ready: boolean;
  reason: string;
  message: string;
}

export function databaseStatus(o: DatabaseObservation): DatabaseStatus {
  switch (o.mode) {
    case 'managed':
      return managedStatus(o);
    case 'external': {
      const ref = o.externalRef;
      const where = ref ? `key ${ref.key} of Secret ${ref.name}` : 'the database Secret';
      if (o.externalSecret === 'found') {
        return { ready: true, reason: 'SecretFound', message: `connection URI in ${where}` };
      }
      return {
        ready: false,
        reason: o.externalSecret === 'key-missing' ? 'SecretKeyMissing' : 'SecretNotFound',
        message: `waiting for ${where}`,
      };
    }
    case 'embedded':
      return o.pvcPhase === 'Bound'
        ? { ready: true, reason: 'VolumeBound', message: 'embedded store volume is bound' }
        : {
            ready: false,
            reason: 'VolumePending',
            message: `waiting for the data volume to be bound (phase ${o.pvcPhase ?? 'unknown'})`,
          };
  }
}

function managedStatus(o: DatabaseObservation): DatabaseStatus {
  if (!o.cnpgInstalled) {
    return {
      ready: false,
      reason: 'CloudNativePGNotInstalled',
      message:
        'the postgresql.cnpg.io/v1 API is not served: install the CloudNativePG operator (and the Barman Cloud plugin for backups), or use database.external or database.embedded',
    };
  }
  const c = o.cluster;
  if (!c) return { ready: false, reason: 'ClusterCreating', message: `waiting for Cluster ${o.clusterName}` };
  const s = c.status ?? {};
  const readyCond = s.conditions?.find((x) => x.type === 'Ready');
  const want = (c.spec.instances as number | undefined) ?? s.instances;
  const ready = readyCond?.status === 'True' && want !== undefined && s.readyInstances === want;
  if (ready) {
    return {
      ready,
      reason: 'ClusterReady',
      message: `Cluster ${c.metadata?.name}: ${s.readyInstances}/${want} instances ready`,
    };
  }
  return {
    ready: false,
    reason: 'ClusterNotReady',
    message: `Cluster ${c.metadata?.name} phase "${s.phase ?? 'unknown'}", ${s.readyInstances ?? 0}/${want ?? '?'} instances ready`,
  };
}
