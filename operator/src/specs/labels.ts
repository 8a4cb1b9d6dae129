// Names, labels and owner references shared by every child of a LighthouseBridge.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';

import { API_VERSION, KIND, type LighthouseBridge } from '../api/types.js';

export const FIELD_MANAGER = 'lighthouse-operator';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Child informers watch only objects carrying this label. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${FIELD_MANAGER}`;
export const BRIDGE_PORT = 8765;

export type Component = 'bridge' | 'config' | 'auth' | 'database' | 'backup' | 'storage';

export function childNames(name: string) {
  return {
    bridge: `${name}-bridge`,
    config: `${name}-config`,
    auth: `${name}-auth`,
    database: `${name}-db`,
    databaseApp: `${name}-db-app`,
    databaseRw: `${name}-db-rw`,
    data: `${name}-data`,
    objectStore: `${name}-backup`,
  };
}

export function selectorLabels(lhb: LighthouseBridge, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'lighthouse-bridge',
    'app.kubernetes.io/instance': lhb.metadata.name,
    'app.kubernetes.io/component': component,
  };
}

/** A label selector string (`k=v,k=v`) matching all of `labels`. */
export const labelSelector = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export function labels(lhb: LighthouseBridge, component: Component): Record<string, string> {
  return {
    ...selectorLabels(lhb, component),
    [MANAGED_BY_LABEL]: FIELD_MANAGER,
    'app.kubernetes.io/part-of': 'lighthouse',
  };
}

export function ownerReference(lhb: LighthouseBridge): V1OwnerReference {
  if (!lhb.metadata.uid) throw new Error(`${lhb.metadata.namespace}/${lhb.metadata.name} has no uid`);
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: lhb.metadata.name,
    uid: lhb.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** metadata of a child: name, namespace, labels, the controller owner reference. */
export function childMetadata(
  lhb: LighthouseBridge,
  name: string,
  component: Component,
): V1ObjectMeta & { name: string; namespace: string } {
  return {
    name,
    namespace: lhb.metadata.namespace,
    labels: labels(lhb, component),
    ownerReferences: [ownerReference(lhb)],
  };
}
