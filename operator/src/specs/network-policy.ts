// <name>-bridge NetworkPolicy: who may call the bridge, and where the bridge may connect.
import type {
  V1NetworkPolicy,
  V1NetworkPolicyEgressRule,
  V1NetworkPolicyPeer,
} from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { BRIDGE_PORT, childMetadata, childNames, selectorLabels } from './labels.js';

const NAMESPACE_NAME = 'kubernetes.io/metadata.name';
const OPERATOR_NAME = 'lighthouse-operator';
const tcp = (port: number) => ({ protocol: 'TCP', port });

function callers(lhb: LighthouseBridge): V1NetworkPolicyPeer[] {
  const { allowedNamespaces = [], allowedPodSelector } = lhb.spec.networkPolicy;
  const pods = allowedPodSelector ? { podSelector: { matchLabels: allowedPodSelector } } : {};
  const peers: V1NetworkPolicyPeer[] = allowedNamespaces.map((ns) => ({
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: ns } },
    ...pods,
  }));
  // Callers in the bridge's own namespace: the selected pods, or all of them when none is selected.
  peers.push({ podSelector: allowedPodSelector ? { matchLabels: allowedPodSelector } : {} });
  return peers;
}

function egress(lhb: LighthouseBridge): V1NetworkPolicyEgressRule[] {
  const rules: V1NetworkPolicyEgressRule[] = [
    // DNS, wherever the cluster runs it.
    { ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
    // The Kubernetes API server (its service port and the usual endpoint port).
    { ports: [tcp(443), tcp(6443)] },
  ];
  if (lhb.spec.database.managed) {
    rules.push({
      to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': childNames(lhb.metadata.name).database } } }],
      ports: [tcp(5432)],
    });
  } else if (lhb.spec.database.external) {
    // The external host is only known to the Secret's URI: allow PostgreSQL's port anywhere.
    rules.push({ ports: [tcp(5432)] });
  }
  return rules;
}

export function buildNetworkPolicy(lhb: LighthouseBridge): V1NetworkPolicy | undefined {
  if (!lhb.spec.networkPolicy.enabled) return undefined;
  const ingress = [
    { from: callers(lhb), ports: [tcp(BRIDGE_PORT)] },
    // The operator reads /readyz to confirm a hot-reloaded policy (the chart's operator pods carry this label).
    {
      from: [
        { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': OPERATOR_NAME } } },
      ],
      ports: [tcp(BRIDGE_PORT)],
    },
  ];
  const metricsNamespace = lhb.spec.networkPolicy.metricsNamespace;
  if (metricsNamespace) {
    // /metrics is served on the API port, so scrapers get that port (and nothing else).
    ingress.push({
      from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: metricsNamespace } } }],
      ports: [tcp(BRIDGE_PORT)],
    });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).bridge, 'bridge'),
    spec: {
      podSelector: { matchLabels: selectorLabels(lhb, 'bridge') },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress: egress(lhb),
    },
  };
}
