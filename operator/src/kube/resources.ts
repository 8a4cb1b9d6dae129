// The resource types the operator reads and writes, and their REST paths.
import { API_VERSION, KIND, PLURAL } from '../api/types.js';

export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
}

const type = (apiVersion: string, kind: string, plural: string): ResourceType => ({
  apiVersion,
  kind,
  plural,
});

export const RESOURCES = {
  bridge: type(API_VERSION, KIND, PLURAL),
  deployment: type('apps/v1', 'Deployment', 'deployments'),
  service: type('v1', 'Service', 'services'),
  serviceAccount: type('v1', 'ServiceAccount', 'serviceaccounts'),
  configMap: type('v1', 'ConfigMap', 'configmaps'),
  secret: type('v1', 'Secret', 'secrets'),
  pvc: type('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  hpa: type('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'),
  pdb: type('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  networkPolicy: type('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies'),
  cnpgCluster: type('postgresql.cnpg.io/v1', 'Cluster', 'clusters'),
  scheduledBackup: type('postgresql.cnpg.io/v1', 'ScheduledBackup', 'scheduledbackups'),
  objectStore: type('barmancloud.cnpg.io/v1', 'ObjectStore', 'objectstores'),
  lease: type('coordination.k8s.io/v1', 'Lease', 'leases'),
  event: type('v1', 'Event', 'events'),
} as const;

export function typeOfKind(apiVersion: string, kind: string): ResourceType {
  const found = Object.values(RESOURCES).find((r) => r.apiVersion === apiVersion && r.kind === kind);
  if (!found) throw new Error(`unknown resource type ${apiVersion} ${kind}`);
  return found;
}

/** /api/v1/... for the core group, /apis/<group>/<version>/... otherwise. */
export function groupPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

export function resourcePath(
  t: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = groupPath(t.apiVersion);
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${t.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}
