// Which configuration the bridges run: each ready bridge pod's /readyz reports
// the configRevision it has loaded (policy.yaml + flags.yaml, hot-reloaded
// without a restart). Asked only while a config change is unconfirmed.
import type { V1Pod } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import type { RestClient } from '../kube/rest.js';
import { BRIDGE_PORT, labelSelector, selectorLabels } from '../specs/labels.js';

export interface ConfigProbe {
  /** Ready bridge pods, and how many of them reported `desired`. */
  ready: number;
  applied: number;
}

const isReady = (p: V1Pod) =>
  !p.metadata?.deletionTimestamp &&
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export async function probeConfig(
  rest: RestClient,
  lhb: LighthouseBridge,
  desired: string,
  timeoutMs = 1_000,
): Promise<ConfigProbe> {
  const { items } = await rest.list<V1Pod>(`/api/v1/namespaces/${lhb.metadata.namespace}/pods`, {
    labelSelector: labelSelector(selectorLabels(lhb, 'bridge')),
  });
  const ready = items.filter((p) => isReady(p) && p.status?.podIP);
  const reports = await Promise.all(
    ready.map(async (p) => {
      try {
        const res = await fetch(`http://${p.status!.podIP}:${BRIDGE_PORT}/readyz`, {
          signal: AbortSignal.timeout(timeoutMs),
        });
        return ((await res.json()) as { configRevision?: string }).configRevision;
      } catch {
        return undefined; // unreachable or not a bridge yet: not applied
      }
    }),
  );
  return { ready: ready.length, applied: reports.filter((r) => r === desired).length };
}
