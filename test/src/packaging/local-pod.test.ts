import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';

import { localContainer, type ObjectReader } from './local-pod.js';

const deployment: V1Deployment = {
  metadata: { name: 'demo-bridge', namespace: 'team' },
  spec: {
    selector: {},
    template: {
      spec: {
        containers: [
          {
            name: 'bridge',
            command: ['lighthouse', 'serve'],
            env: [
              { name: 'LIGHTHOUSE_MASTER_KEY_FILE', value: '/var/run/lighthouse/auth/master-key' },
              { name: 'LIGHTHOUSE_CONFIG_DIR', value: '/etc/lighthouse/config' },
              { name: 'LIGHTHOUSE_DATA_DIR', value: '/var/lib/lighthouse' },
              { name: 'PLAIN', value: '/elsewhere' },
              { name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'uri' } } },
              { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            ],
            volumeMounts: [
              { name: 'config', mountPath: '/etc/lighthouse/config' },
              { name: 'auth', mountPath: '/var/run/lighthouse/auth' },
              { name: 'data', mountPath: '/var/lib/lighthouse' },
            ],
          },
        ],
        volumes: [
          { name: 'config', configMap: { name: 'demo-config' } },
          { name: 'auth', secret: { secretName: 'demo-auth' } },
          { name: 'data', persistentVolumeClaim: { claimName: 'demo-data' } },
        ],
      },
    },
  },
};

const objects: ObjectReader = {
  configMap: async (ns, name) => {
    expect([ns, name]).toEqual(['team', 'demo-config']);
    return { 'policy.yaml': 'rules: []\n' };
  },
  secret: async (_ns, name) => {
    const secrets: Record<string, Record<string, string>> = {
      'demo-auth': { 'master-key': 'k'.repeat(64) },
      db: { uri: 'postgres://x' },
    };
    return secrets[name]!;
  },
};

describe('localContainer', () => {
  it('materialises mounts as local directories and points env values into them', async () => {
    const local = await localContainer(deployment, 'bridge', objects);
    try {
      const auth = local.mounts.get('/var/run/lighthouse/auth')!;
      expect(local.env.LIGHTHOUSE_MASTER_KEY_FILE).toBe(path.join(auth, 'master-key'));
      expect(readFileSync(local.env.LIGHTHOUSE_MASTER_KEY_FILE!, 'utf8')).toBe('k'.repeat(64));
      expect(statSync(local.env.LIGHTHOUSE_MASTER_KEY_FILE!).mode & 0o777).toBe(0o600);
      expect(readFileSync(path.join(local.env.LIGHTHOUSE_CONFIG_DIR!, 'policy.yaml'), 'utf8')).toBe(
        'rules: []\n',
      );
      expect(local.env.LIGHTHOUSE_DATA_DIR).toBe(local.mounts.get('/var/lib/lighthouse'));
      expect(local.env).toMatchObject({ PLAIN: '/elsewhere', DB: 'postgres://x', NS: 'team' });
    } finally {
      local.cleanup();
    }
    expect(existsSync(local.mounts.get('/var/lib/lighthouse')!)).toBe(false);
  });

  it('refuses a volume kind it cannot reproduce, leaving nothing behind', async () => {
    const hostPath = structuredClone(deployment);
    hostPath.spec!.template.spec!.volumes![2] = { name: 'data', hostPath: { path: '/srv' } };
    await expect(localContainer(hostPath, 'bridge', objects)).rejects.toThrow(
      'volume data: only configMap, secret, emptyDir and persistentVolumeClaim are supported',
    );
  });
});
