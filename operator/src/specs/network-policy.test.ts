import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import { buildNetworkPolicy } from './network-policy.js';

describe('buildNetworkPolicy', () => {
  it('admits port 8765 only from the allowed namespaces and pods, and metrics from the monitoring namespace', () => {
    const np = buildNetworkPolicy(
      sampleBridge({
        networkPolicy: {
          enabled: true,
          allowedNamespaces: ['agents'],
          allowedPodSelector: { role: 'agent' },
          metricsNamespace: 'monitoring',
        },
      }),
    )!;
    expect(np.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec!.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'agents' } },
            podSelector: { matchLabels: { role: 'agent' } },
          },
          { podSelector: { matchLabels: { role: 'agent' } } },
        ],
        ports: [{ protocol: 'TCP', port: 8765 }],
      },
      {
        from: [
          {
            namespaceSelector: {},
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'lighthouse-operator' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8765 }],
      },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: 8765 }],
      },
    ]);
  });

  it('allows egress to DNS, the API server and the external database port', () => {
    const egress = buildNetworkPolicy(sampleBridge())!.spec!.egress!;
    const ports = egress.flatMap((r) => r.ports!.map((p) => `${p.protocol}/${p.port}`));
    expect(ports).toEqual(['UDP/53', 'TCP/53', 'TCP/443', 'TCP/6443', 'TCP/5432']);
  });

  it('sends managed-database traffic only to the CNPG cluster pods, and none in embedded mode', () => {
    const managed = buildNetworkPolicy(
      sampleBridge({ database: { managed: { instances: 3, storage: { size: '1Gi' } } } }),
    )!.spec!.egress!;
    expect(managed).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'demo-db' } } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
    const embedded = buildNetworkPolicy(
      sampleBridge({ replicas: 1, database: { embedded: { storage: { size: '1Gi' } } } }),
    )!.spec!.egress!;
    expect(embedded.flatMap((r) => r.ports!.map((p) => p.port))).not.toContain(5432);
  });

  it('is absent when disabled', () => {
    expect(buildNetworkPolicy(sampleBridge({ networkPolicy: { enabled: false } }))).toBeUndefined();
  });
});
