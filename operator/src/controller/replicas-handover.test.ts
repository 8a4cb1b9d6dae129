import { describe, expect, it, jest } from '@jest/globals';

import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';

import { KubeApiError, type RestClient } from '../kube/rest.js';
import { handOverReplicas, REPLICAS_HANDOVER_MANAGER, replicasHandover } from './replicas-handover.js';

const deployment = (replicas?: number): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'b-bridge', namespace: 'ns', uid: 'u', resourceVersion: '7' },
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    selector: {},
    template: {},
  },
});

function fakeRest(fail?: unknown) {
  const calls: [string, KubernetesObject, string, boolean | undefined][] = [];
  const rest = {
    apply: jest.fn(async (path: string, body: KubernetesObject, manager: string, force?: boolean) => {
      calls.push([path, body, manager, force]);
      if (fail) throw fail;
      return body;
    }),
  } as unknown as RestClient;
  return { rest, calls };
}

describe('replicasHandover', () => {
  it('keeps the live count when the desired Deployment leaves replicas to the HPA', () => {
    expect(replicasHandover(deployment(), deployment(3))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'b-bridge', namespace: 'ns' },
      spec: { replicas: 3 },
    });
  });

  it('is not needed when we set replicas, on create, or for other kinds', () => {
    expect(replicasHandover(deployment(2), deployment(3))).toBeUndefined();
    expect(replicasHandover(deployment(), undefined)).toBeUndefined();
    expect(replicasHandover(deployment(), deployment())).toBeUndefined();
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } };
    expect(replicasHandover(cm, cm)).toBeUndefined();
  });
});

describe('handOverReplicas', () => {
  it('applies the live count under its own field manager, without force', async () => {
    const { rest, calls } = fakeRest();
    await handOverReplicas(rest, '/p', deployment(), deployment(4));
    expect(calls).toEqual([
      ['/p', expect.objectContaining({ spec: { replicas: 4 } }), REPLICAS_HANDOVER_MANAGER, false],
    ]);
  });

  it('leaves the count to the autoscaler when it changed it meanwhile (a conflict)', async () => {
    const { rest } = fakeRest(new KubeApiError(409, 'Conflict', 'conflict'));
    await expect(handOverReplicas(rest, '/p', deployment(), deployment(4))).resolves.toBeUndefined();
    const other = fakeRest(new KubeApiError(500, 'InternalError', 'boom'));
    await expect(handOverReplicas(other.rest, '/p', deployment(), deployment(4))).rejects.toThrow('boom');
  });
});
