// <name>-bridge Service: the bridge API and its /metrics, both served on 8765.
import type { V1Service } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { BRIDGE_PORT, childMetadata, childNames, selectorLabels } from './labels.js';

export function endpointOf(lhb: LighthouseBridge): string {
  return `${childNames(lhb.metadata.name).bridge}.${lhb.metadata.namespace}.svc:${BRIDGE_PORT}`;
}

export function buildService(lhb: LighthouseBridge): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(lhb, childNames(lhb.metadata.name).bridge, 'bridge'),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(lhb, 'bridge'),
      ports: [
        { name: 'http', port: BRIDGE_PORT, targetPort: 'http', protocol: 'TCP' },
        // The bridge serves /metrics on its API port; a named port lets a ServiceMonitor select it.
        { name: 'metrics', port: 9090, targetPort: 'http', protocol: 'TCP' },
      ],
    },
  };
}
