import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import type { LighthouseBridge, LighthouseBridgeStatus } from '../api/types.js';
import { conditionOf, setConditions } from '../controller/conditions.js';
import { rollbackEvents, withRollout } from './status.js';

const computed = (available: boolean): LighthouseBridgeStatus => ({
  phase: available ? 'Running' : 'Provisioning',
  currentRevision: 'good',
  lastGoodRevision: 'good',
  lastRollout: { revision: 'good', startedAt: 't0', finishedAt: 't0', result: 'Succeeded' },
  conditions: setConditions(
    undefined,
    [
      { type: 'BridgeAvailable', status: available ? 'True' : 'False', reason: 'x', message: '' },
      { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
    ],
    4,
    't0',
  ),
});
const lhb = (status?: LighthouseBridgeStatus): LighthouseBridge => ({
  ...sampleBridge(),
  metadata: { name: 'b', namespace: 'ns', generation: 4, uid: 'u' },
  ...(status ? { status } : {}),
});
const back = { kind: 'rollback', to: 'good', failed: 'bad' } as const;

describe('withRollout', () => {
  it('leaves the status alone when the spec is applied', () => {
    const s = computed(true);
    expect(withRollout(lhb(), s, { kind: 'apply' }, 't1')).toBe(s);
  });

  it('RollingBack while the good template comes back, then Degraded, naming the failed revision', () => {
    const rolling = withRollout(
      lhb({ lastRollout: { revision: 'bad', startedAt: 't0', result: 'Progressing' } }),
      computed(false),
      back,
      't1',
    );
    expect(rolling.phase).toBe('RollingBack');
    expect(rolling.lastRollout).toEqual({
      revision: 'bad',
      startedAt: 't0',
      finishedAt: 't1',
      result: 'RolledBack',
    });
    const degraded = conditionOf(rolling.conditions, 'Degraded')!;
    expect(degraded).toMatchObject({ status: 'True', reason: 'RolledBack', lastTransitionTime: 't1' });
    expect(degraded.message).toContain('revision bad');
    expect(degraded.message).toContain('rolled back to good');

    const done = withRollout(lhb(rolling), computed(true), back, 't2');
    expect(done.phase).toBe('Degraded');
    // Nothing about the rollback changed: the same record, the same transition time.
    expect(done.lastRollout).toEqual(rolling.lastRollout);
    expect(conditionOf(done.conditions, 'Degraded')).toEqual(degraded);
  });

  it('says Paused when the resource is paused', () => {
    const paused = { ...lhb(), spec: { ...lhb().spec, paused: true } };
    expect(withRollout(paused, computed(true), back, 't1').phase).toBe('Paused');
  });
});

describe('rollbackEvents', () => {
  it('one Warning RolledBack when the rollback starts, none after', () => {
    const before = computed(true);
    const after = withRollout(lhb(before), computed(false), back, 't1');
    const events = rollbackEvents(before, after);
    expect(events).toEqual([
      { type: 'Warning', reason: 'RolledBack', message: expect.stringContaining('bad') },
    ]);
    expect(rollbackEvents(after, withRollout(lhb(after), computed(true), back, 't2'))).toEqual([]);
    expect(rollbackEvents(before, computed(true))).toEqual([]);
  });
});
