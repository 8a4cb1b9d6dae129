import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildObjectStore } from './barman-object-store.js';

describe('buildObjectStore', () => {
  it('points at the destination with credentials from the named Secret and the retention', () => {
    const store = buildObjectStore(
      sampleBridge({
        database: {
          managed: {
            instances: 1,
            storage: { size: '1Gi' },
            backup: {
              destinationPath: 's3://bucket/lh',
              endpointURL: 'https://minio:9000',
              credentialsSecret: { name: 's3', accessKeyIdKey: 'ID', secretAccessKeyKey: 'KEY' },
              retention: '14d',
              schedule: '0 0 0 * * *',
            },
          },
        },
      }),
    )!;
    expect(store.apiVersion).toBe('barmancloud.cnpg.io/v1');
    expect(store.metadata!.name).toBe('demo-backup');
    expect(store.spec).toMatchObject({
      retentionPolicy: '14d',
      configuration: {
        destinationPath: 's3://bucket/lh',
        endpointURL: 'https://minio:9000',
        s3Credentials: {
          accessKeyId: { name: 's3', key: 'ID' },
          secretAccessKey: { name: 's3', key: 'KEY' },
        },
      },
    });
  });

  it('is absent without backup', () => {
    expect(
      buildObjectStore(sampleBridge({ database: { managed: { instances: 1, storage: { size: '1Gi' } } } })),
    ).toBeUndefined();
  });
});
