import { describe, expect, it } from '@jest/globals';
import type { V1Secret } from '@kubernetes/client-node';

import { RESOURCES } from '../kube/resources.js';
import { slim } from './informer-set.js';

describe('slim', () => {
  it('sets apiVersion and kind, drops managedFields and Secret values', () => {
    const secret: V1Secret = {
      metadata: { name: 's', managedFields: [{ manager: 'x' }], labels: { a: 'b' } },
      data: { key: 'c2VjcmV0' },
      type: 'Opaque',
    };
    expect(slim(RESOURCES.secret, secret)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', labels: { a: 'b' } },
      type: 'Opaque',
    });
    expect(secret.data).toBeDefined(); // the input is not modified
  });

  it('keeps the data of other kinds', () => {
    expect(slim(RESOURCES.configMap, { metadata: { name: 'c' }, data: { k: 'v' } } as never)).toMatchObject({
      kind: 'ConfigMap',
      data: { k: 'v' },
    });
  });
});
