// Everything a LighthouseBridge should own, from the pure builders.
import type { KubernetesObject } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { buildObjectStore } from '../specs/barman-object-store.js';
import { buildCnpgCluster } from '../specs/cnpg-cluster.js';
import { buildConfigMap } from '../specs/config-map.js';
import { buildDeployment } from '../specs/deployment.js';
import { buildHpa } from '../specs/hpa.js';
import { buildNetworkPolicy } from '../specs/network-policy.js';
import { buildPdb } from '../specs/pdb.js';
import { buildPvc } from '../specs/pvc.js';
import { buildScheduledBackup } from '../specs/scheduled-backup.js';
import { buildService } from '../specs/service.js';
import { buildServiceAccount } from '../specs/service-account.js';

export interface DesiredChildren {
  /** Applied with server-side apply on every reconcile that finds them different. */
  applied: KubernetesObject[];
  revision: string;
}

export function desiredChildren(lhb: LighthouseBridge): DesiredChildren {
  const { deployment, revision } = buildDeployment(lhb);
  const optional = [
    buildHpa(lhb),
    buildPdb(lhb),
    buildNetworkPolicy(lhb),
    buildPvc(lhb),
    buildCnpgCluster(lhb),
    buildObjectStore(lhb),
    buildScheduledBackup(lhb),
  ].filter((o): o is NonNullable<typeof o> => o !== undefined);
  return {
    applied: [buildServiceAccount(lhb), buildConfigMap(lhb), buildService(lhb), ...optional, deployment],
    revision,
  };
}
