import { describe, expect, it } from '@jest/globals';

import type { CnpgCluster } from '../specs/cnpg-cluster.js';
import { databaseStatus } from './database-status.js';

const cluster = (status: CnpgCluster['status']): CnpgCluster => ({
  metadata: { name: 'demo-db' },
  spec: { instances: 3 },
  status,
});

describe('databaseStatus', () => {
  it('says what to install when CloudNativePG is missing', () => {
    const s = databaseStatus({ mode: 'managed', cnpgInstalled: false });
    expect(s).toMatchObject({ ready: false, reason: 'CloudNativePGNotInstalled' });
    expect(s.message).toMatch(/install the CloudNativePG operator/);
  });

  it("reports CNPG's phase until Ready is True and every instance is ready", () => {
    const waiting = databaseStatus({
      mode: 'managed',
      cnpgInstalled: true,
      cluster: cluster({
        phase: 'Setting up primary',
        readyInstances: 1,
        conditions: [{ type: 'Ready', status: 'False' }],
      }),
    });
    expect(waiting).toMatchObject({ ready: false, reason: 'ClusterNotReady' });
    expect(waiting.message).toContain('Setting up primary');
    expect(
      databaseStatus({
        mode: 'managed',
        cnpgInstalled: true,
        cluster: cluster({ phase: 'x', readyInstances: 2, conditions: [{ type: 'Ready', status: 'True' }] }),
      }).ready,
    ).toBe(false);
    expect(
      databaseStatus({
        mode: 'managed',
        cnpgInstalled: true,
        cluster: cluster({
          phase: 'Cluster in healthy state',
          readyInstances: 3,
          conditions: [{ type: 'Ready', status: 'True' }],
        }),
      }),
    ).toMatchObject({ ready: true, reason: 'ClusterReady' });
    expect(databaseStatus({ mode: 'managed', cnpgInstalled: true, clusterName: 'demo-db' }).reason).toBe(
      'ClusterCreating',
    );
  });

  it('external: ready when the Secret and key exist', () => {
    const ref = { name: 'pg', key: 'uri' };
    expect(databaseStatus({ mode: 'external', externalSecret: 'found', externalRef: ref }).ready).toBe(true);
    expect(databaseStatus({ mode: 'external', externalSecret: 'missing', externalRef: ref })).toMatchObject({
      ready: false,
      reason: 'SecretNotFound',
      message: 'waiting for key uri of Secret pg',
    });
    expect(databaseStatus({ mode: 'external', externalSecret: 'key-missing', externalRef: ref }).reason).toBe(
      'SecretKeyMissing',
    );
  });

  it('embedded: ready when the volume is bound', () => {
    expect(databaseStatus({ mode: 'embedded', pvcPhase: 'Bound' }).ready).toBe(true);
    expect(databaseStatus({ mode: 'embedded', pvcPhase: 'Pending' })).toMatchObject({
      ready: false,
      reason: 'VolumePending',
    });
  });
});
