import { describe, expect, it } from '@jest/globals';

import { RESOURCES, resourcePath, typeOfKind } from './resources.js';

describe('resource paths', () => {
  it('builds core, group, namespaced, cluster-wide and subresource paths', () => {
    expect(resourcePath(RESOURCES.service, 'ns', 'a')).toBe('/api/v1/namespaces/ns/services/a');
    expect(resourcePath(RESOURCES.deployment)).toBe('/apis/apps/v1/deployments');
    expect(resourcePath(RESOURCES.bridge, 'ns', 'b', 'status')).toBe(
      '/apis/lighthouse.dev/v1alpha1/namespaces/ns/lighthousebridges/b/status',
    );
  });

  it('finds a type by apiVersion and kind, and refuses an unknown one', () => {
    expect(typeOfKind('postgresql.cnpg.io/v1', 'Cluster')).toBe(RESOURCES.cnpgCluster);
    expect(() => typeOfKind('v1', 'Pod')).toThrow(/unknown resource type v1 Pod/);
  });
});
