import { describe, expect, it } from '@jest/globals';
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';

import { REVISION_ANNOTATION } from '../specs/revision.js';
import { placementOf } from './placement.js';

const NO_NODE =
  "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.";

function pod(name: string, revision: string, o: { node?: string; scheduled?: V1PodCondition } = {}): V1Pod {
  return {
    metadata: { name, annotations: { [REVISION_ANNOTATION]: revision } },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: { phase: 'Pending', conditions: o.scheduled ? [o.scheduled] : [] },
  };
}

const refused: V1PodCondition = {
  type: 'PodScheduled',
  status: 'False',
  reason: 'Unschedulable',
  message: NO_NODE,
};

describe('placementOf', () => {
  it("counts the revision's pods without a node, and those the scheduler refused with its message", () => {
    const placement = placementOf(
      [
        pod('a', 'r2', { scheduled: refused }),
        pod('b', 'r2', { scheduled: refused }),
        pod('c', 'r2'), // created, not tried yet
        pod('d', 'r2', { node: 'n1' }),
        pod('e', 'r1', { scheduled: refused }), // the previous revision's: not this rollout's problem
      ],
      'r2',
    );
    expect(placement).toEqual({ unbound: 3, unschedulable: { pods: 2, message: NO_NODE } });
  });

  it('reports nothing when every pod is bound, or is only waiting for its first try', () => {
    expect(placementOf([pod('a', 'r1', { node: 'n1' })], 'r1')).toEqual({ unbound: 0 });
    expect(placementOf([pod('a', 'r1')], 'r1')).toEqual({ unbound: 1 });
    // A pod going away is no longer waiting for a node.
    const leaving = pod('a', 'r1', { scheduled: refused });
    leaving.metadata!.deletionTimestamp = new Date();
    expect(placementOf([leaving], 'r1')).toEqual({ unbound: 0 });
  });
});
