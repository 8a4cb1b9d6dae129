import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { desiredChildren } from './desired.js';

const kinds = (objs: { kind?: string }[]) => objs.map((o) => o.kind);

describe('desiredChildren', () => {
  it('external database, 2 replicas: SA, ConfigMap, Service, PDB, NetworkPolicy, Deployment', () => {
    expect(kinds(desiredChildren(sampleBridge()).applied)).toEqual([
      'ServiceAccount',
      'ConfigMap',
      'Service',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'Deployment',
    ]);
  });

  it('managed database with backup and autoscaling adds HPA, Cluster, ObjectStore, ScheduledBackup', () => {
    const lhb = sampleBridge({
      autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 80 },
      database: {
        managed: {
          instances: 3,
          storage: { size: '1Gi' },
          backup: {
            destinationPath: 's3://b',
            credentialsSecret: { name: 's', accessKeyIdKey: 'a', secretAccessKeyKey: 'b' },
            retention: '30d',
            schedule: '0 0 0 * * *',
          },
        },
      },
    });
    expect(kinds(desiredChildren(lhb).applied)).toEqual([
      'ServiceAccount',
      'ConfigMap',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'Cluster',
      'ObjectStore',
      'ScheduledBackup',
      'Deployment',
    ]);
  });

  it('every child is owned by the resource and labelled as managed by the operator', () => {
    for (const child of desiredChildren(sampleBridge()).applied) {
      expect(child.metadata!.ownerReferences![0]!.uid).toBe('uid-1');
      expect(child.metadata!.labels!['app.kubernetes.io/managed-by']).toBe('lighthouse-operator');
      expect(child.metadata!.namespace).toBe('team-a');
    }
  });
});
