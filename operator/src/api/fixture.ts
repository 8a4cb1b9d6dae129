// A defaulted LighthouseBridge (as the API server returns it) for builder tests.
import type { LighthouseBridge, LighthouseBridgeSpec } from './types.js';

export function sampleBridge(spec: Partial<LighthouseBridgeSpec> = {}): LighthouseBridge {
  return {
    apiVersion: 'lighthouse.dev/v1alpha1',
    kind: 'LighthouseBridge',
    metadata: { name: 'demo', namespace: 'team-a', uid: 'uid-1', generation: 1 },
    spec: {
      image: 'registry.example/lighthouse:1.0.0',
      imagePullPolicy: 'IfNotPresent',
      replicas: 2,
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      database: { external: { secretRef: { name: 'pg', key: 'uri' } } },
      fuse: { enabled: true, mountPath: '/mnt/lighthouse/project' },
      networkPolicy: { enabled: true },
      rollout: { autoRollback: true, progressDeadlineSeconds: 600, maxSurge: 1, maxUnavailable: 0 },
      paused: false,
      ...spec,
    },
  };
}
