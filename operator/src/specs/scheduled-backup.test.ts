import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildScheduledBackup } from './scheduled-backup.js';

describe('buildScheduledBackup', () => {
  it('backs the cluster up on schedule through the plugin', () => {
    const sb = buildScheduledBackup(
      sampleBridge({
        database: {
          managed: {
            instances: 1,
            storage: { size: '1Gi' },
            backup: {
              destinationPath: 's3://b',
              credentialsSecret: { name: 's3', accessKeyIdKey: 'a', secretAccessKeyKey: 'b' },
              retention: '30d',
              schedule: '0 30 2 * * *',
            },
          },
        },
      }),
    )!;
    expect(sb.kind).toBe('ScheduledBackup');
    expect(sb.spec).toEqual({
      schedule: '0 30 2 * * *',
      backupOwnerReference: 'self',
      cluster: { name: 'demo-db' },
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
    });
  });

  it('is absent without backup', () => {
    expect(buildScheduledBackup(sampleBridge())).toBeUndefined();
  });
});
