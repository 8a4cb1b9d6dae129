// Where bridge pods may run: spec.scheduling as the pod spec's own fields. The
// operator adds nothing of its own (no default anti-affinity), so a resource
// without spec.scheduling keeps the pod template, and the revision, it had.
import type { V1PodSpec } from '@kubernetes/client-node';

import type { LighthouseBridge } from '../api/types.js';
import { selectorLabels } from './labels.js';

export type PodScheduling = Pick<
  V1PodSpec,
  'nodeSelector' | 'tolerations' | 'affinity' | 'topologySpreadConstraints' | 'priorityClassName'
>;

const nonEmpty = (o: object | undefined): boolean => o !== undefined && Object.keys(o).length > 0;

export function podScheduling(lhb: LighthouseBridge): PodScheduling {
  const s = lhb.spec.scheduling ?? {};
  // An empty map or list says nothing: left out, it is no new revision (no restart).
  return {
    ...(nonEmpty(s.nodeSelector) ? { nodeSelector: s.nodeSelector } : {}),
    ...(nonEmpty(s.tolerations) ? { tolerations: s.tolerations } : {}),
    ...(nonEmpty(s.affinity) ? { affinity: s.affinity } : {}),
    ...(nonEmpty(s.topologySpreadConstraints)
      ? {
          // Without a selector a constraint counts no pods and spreads nothing: users mean their bridges.
          topologySpreadConstraints: s.topologySpreadConstraints!.map((c) => ({
            ...c,
            labelSelector: c.labelSelector ?? { matchLabels: selectorLabels(lhb, 'bridge') },
          })),
        }
      : {}),
    ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
  };
}
