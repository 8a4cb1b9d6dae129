// The third-party CRDs the product works with are installed with their real
// schemas: the API server validates CloudNativePG objects.
import { describe, expect, it } from '@jest/globals';
import { ApiException, ApiextensionsV1Api, CustomObjectsApi } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from './testing.js';

const ns = useNamespace('crds');

const cluster = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name },
  spec,
});

async function rejection(call: Promise<unknown>): Promise<{ code: number; body: string }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) return { code: err.code, body: String(err.body) };
    throw err;
  }
  throw new Error('the API server accepted an invalid object');
}

describe('third-party CRDs', () => {
  it('serves CloudNativePG, Barman Cloud and Prometheus Operator kinds', async () => {
    const api = controlPlane().kubeConfig().makeApiClient(ApiextensionsV1Api);
    const names = (await api.listCustomResourceDefinition()).items.map((c) => c.metadata!.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'clusters.postgresql.cnpg.io',
        'backups.postgresql.cnpg.io',
        'scheduledbackups.postgresql.cnpg.io',
        'objectstores.barmancloud.cnpg.io',
        'servicemonitors.monitoring.coreos.com',
        'prometheusrules.monitoring.coreos.com',
      ]),
    );
  });

  it('rejects a CNPG Cluster that violates its schema and stores a valid one', async () => {
    const objects = controlPlane().kubeConfig().makeApiClient(CustomObjectsApi);
    const create = (body: object) =>
      objects.createNamespacedCustomObject({
        group: 'postgresql.cnpg.io',
        version: 'v1',
        namespace: ns(),
        plural: 'clusters',
        body,
      });

    const belowMinimum = await rejection(
      create(cluster('bad-instances', { instances: 0, storage: { size: '1Gi' } })),
    );
    expect(belowMinimum.code).toBe(422);
    expect(belowMinimum.body).toContain('spec.instances');

    // A CEL rule of the CRD (x-kubernetes-validations), not only the OpenAPI schema.
    const celRule = await rejection(
      create(
        cluster('bad-image', {
          instances: 1,
          imageName: 'postgres:17',
          imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'c', major: 17 },
          storage: { size: '1Gi' },
        }),
      ),
    );
    expect(celRule.code).toBe(422);
    expect(celRule.body).toContain('imageName and imageCatalogRef are mutually exclusive');

    await create(
      cluster('good', {
        instances: 3,
        storage: { size: '1Gi' },
        postgresql: { parameters: { max_connections: '200' } },
      }),
    );
    const stored = (await objects.getNamespacedCustomObject({
      group: 'postgresql.cnpg.io',
      version: 'v1',
      namespace: ns(),
      plural: 'clusters',
      name: 'good',
    })) as { spec: { instances: number; postgresql: { parameters: Record<string, string> } } };
    expect(stored.spec.instances).toBe(3);
    expect(stored.spec.postgresql.parameters.max_connections).toBe('200');
  });
});
