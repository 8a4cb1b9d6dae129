import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import type { SchedulingSpec } from '../api/types.js';
import { podScheduling } from './scheduling.js';

const ownPods = {
  matchLabels: {
    'app.kubernetes.io/name': 'lighthouse-bridge',
    'app.kubernetes.io/instance': 'demo',
    'app.kubernetes.io/component': 'bridge',
  },
};

const of = (scheduling: SchedulingSpec) => podScheduling(sampleBridge({ scheduling }));

describe('podScheduling', () => {
  it('sets nothing without spec.scheduling, or with only empty fields', () => {
    expect(podScheduling(sampleBridge())).toEqual({});
    expect(of({})).toEqual({});
    expect(of({ nodeSelector: {}, tolerations: [], affinity: {}, topologySpreadConstraints: [] })).toEqual(
      {},
    );
  });

  it('copies nodeSelector and priorityClassName', () => {
    expect(of({ nodeSelector: { pool: 'agents', 'kubernetes.io/os': 'linux' } })).toEqual({
      nodeSelector: { pool: 'agents', 'kubernetes.io/os': 'linux' },
    });
    expect(of({ priorityClassName: 'lighthouse-critical' })).toEqual({
      priorityClassName: 'lighthouse-critical',
    });
  });

  it('copies tolerations as given, in order', () => {
    const tolerations: SchedulingSpec['tolerations'] = [
      { key: 'dedicated', operator: 'Equal', value: 'agents', effect: 'NoSchedule' },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 30,
      },
      { operator: 'Exists' },
    ];
    expect(of({ tolerations }).tolerations).toEqual(tolerations);
  });

  it("copies affinity, the user's podAntiAffinity included (the operator has no default to merge)", () => {
    const affinity: SchedulingSpec['affinity'] = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: 'cpu', operator: 'Gt', values: ['8'] }] } },
        ],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } },
        ],
      },
    };
    expect(of({ affinity })).toEqual({ affinity });
  });

  it("defaults a spread constraint's labelSelector to the bridge pods' own selector labels", () => {
    const { topologySpreadConstraints } = of({
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' },
        {
          maxSkew: 2,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { team: 'a' } },
          minDomains: 3,
          nodeTaintsPolicy: 'Honor',
        },
      ],
    });
    expect(topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: ownPods,
      },
      // One the user gave is theirs, as is every other field.
      {
        maxSkew: 2,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { team: 'a' } },
        minDomains: 3,
        nodeTaintsPolicy: 'Honor',
      },
    ]);
  });
});
