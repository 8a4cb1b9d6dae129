import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import type { LighthouseBridgeStatus } from '../api/types.js';
import { transitionEvents } from './events.js';
import { computeStatus } from './status.js';
import { REVISION_ANNOTATION } from '../specs/revision.js';

const lhb = sampleBridge();
const waiting = (reason: string) => ({ ready: false, reason, message: `m-${reason}` });
const reasons = (prev: LighthouseBridgeStatus | undefined, next: LighthouseBridgeStatus) =>
  transitionEvents(prev, next).map((e) => `${e.type}/${e.reason}`);

describe('transitionEvents', () => {
  const first = computeStatus({ lhb, now: 't0', revision: 'r1', database: waiting('SecretNotFound') });

  it('a new resource: rollout started, database waiting', () => {
    expect(reasons(undefined, first)).toEqual(['Normal/DatabaseWaiting', 'Normal/RolloutStarted']);
  });

  it('nothing when nothing changed', () => {
    const again = computeStatus({
      lhb: { ...lhb, status: first },
      now: 't1',
      revision: 'r1',
      database: waiting('SecretNotFound'),
    });
    expect(reasons(first, again)).toEqual([]);
  });

  it('a warning when CloudNativePG is missing', () => {
    const next = computeStatus({
      lhb: { ...lhb, status: first },
      now: 't1',
      revision: 'r1',
      database: waiting('CloudNativePGNotInstalled'),
    });
    expect(reasons(first, next)).toEqual(['Warning/CloudNativePGNotInstalled']);
  });

  it('database ready, rollout finished and Ready when it all comes up', () => {
    const next = computeStatus({
      lhb: { ...lhb, status: first },
      now: 't2',
      revision: 'r1',
      database: { ready: true, reason: 'SecretFound', message: '' },
      deployment: {
        metadata: { generation: 1 },
        spec: {
          replicas: 2,
          selector: {},
          template: { metadata: { annotations: { [REVISION_ANNOTATION]: 'r1' } } },
        },
        status: {
          observedGeneration: 1,
          replicas: 2,
          updatedReplicas: 2,
          readyReplicas: 2,
          availableReplicas: 2,
        },
      },
    });
    expect(reasons(first, next)).toEqual(['Normal/DatabaseReady', 'Normal/RolloutFinished', 'Normal/Ready']);
    const lost = computeStatus({
      lhb: { ...lhb, status: next },
      now: 't3',
      revision: 'r1',
      database: waiting('SecretNotFound'),
    });
    expect(reasons(next, lost)).toEqual(['Normal/DatabaseWaiting', 'Warning/NotReady']);
  });
});
