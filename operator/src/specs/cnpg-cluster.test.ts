import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import type { ManagedDatabase } from '../api/types.js';
import { buildCnpgCluster } from './cnpg-cluster.js';

const managed = (m: Partial<ManagedDatabase> = {}) =>
  sampleBridge({ database: { managed: { instances: 3, storage: { size: '10Gi' }, ...m } } });

describe('buildCnpgCluster', () => {
  it('builds <name>-db with instances, storage and a lighthouse database', () => {
    const c = buildCnpgCluster(managed({ storage: { size: '20Gi', storageClass: 'ssd' } }))!;
    expect(c.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(c.kind).toBe('Cluster');
    expect(c.metadata!.name).toBe('demo-db');
    expect(c.metadata!.ownerReferences![0]!.kind).toBe('LighthouseBridge');
    expect(c.spec).toEqual({
      instances: 3,
      storage: { size: '20Gi', storageClass: 'ssd' },
      bootstrap: { initdb: { database: 'lighthouse', owner: 'lighthouse' } },
    });
  });

  it('passes PostgreSQL parameters as strings and wires the Barman Cloud plugin when backup is set', () => {
    const c = buildCnpgCluster(
      managed({
        parameters: { max_connections: '200' },
        backup: {
          destinationPath: 's3://b/p',
          credentialsSecret: { name: 's3', accessKeyIdKey: 'A', secretAccessKeyKey: 'S' },
          retention: '30d',
          schedule: '0 0 0 * * *',
        },
      }),
    )!;
    expect(c.spec.postgresql).toEqual({ parameters: { max_connections: '200' } });
    expect(c.spec.plugins).toEqual([
      {
        name: 'barman-cloud.cloudnative-pg.io',
        isWALArchiver: true,
        parameters: { barmanObjectName: 'demo-backup' },
      },
    ]);
  });

  it('is absent for other modes', () => {
    expect(buildCnpgCluster(sampleBridge())).toBeUndefined();
  });
});
