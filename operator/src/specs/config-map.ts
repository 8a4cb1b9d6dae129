// <name>-config ConfigMap: policy.yaml and flags.yaml, hot-reloaded by the bridge.
import { createHash } from 'node:crypto';

import type { V1ConfigMap } from '@kubernetes/client-node';
import { stringify } from 'yaml';

import type { LighthouseBridge } from '../api/types.js';
import { childMetadata, childNames } from './labels.js';

const render = (value: unknown) => stringify(value, { sortMapEntries: true });

export function buildConfigMap(lhb: LighthouseBridge): V1ConfigMap {
  const data: Record<string, string> = {};
  // Without spec.policy the file is absent and the bridge uses its default policy.
  if (lhb.spec.policy) data['policy.yaml'] = render(lhb.spec.policy);
  // The bridge reads flags.yaml as a mapping of flag name → spec, at the top level.
  data['flags.yaml'] = render(lhb.spec.featureFlags ?? {});
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).config, 'config'),
    data,
  };
}

/**
 * The revision a bridge reports on /readyz once it has applied this ConfigMap's
 * files: the same hash as the bridge's config/config-revision.ts (config-contract.test.ts).
 */
export function configRevisionOf(cm: V1ConfigMap): string {
  const policy = cm.data?.['policy.yaml'] ?? '';
  const flags = cm.data?.['flags.yaml'] ?? '';
  return createHash('sha256')
    .update(`policy.yaml\0${policy}\0flags.yaml\0${flags}`)
    .digest('hex')
    .slice(0, 12);
}
