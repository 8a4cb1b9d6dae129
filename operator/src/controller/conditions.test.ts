import { describe, expect, it } from '@jest/globals';

import { setConditions } from './conditions.js';

describe('setConditions', () => {
  it('keeps lastTransitionTime while the status stays, moves it when it flips', () => {
    const first = setConditions(
      undefined,
      [{ type: 'Ready', status: 'False', reason: 'Reconciling', message: 'a' }],
      1,
      't1',
    );
    expect(first).toEqual([
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 1,
        lastTransitionTime: 't1',
        reason: 'Reconciling',
        message: 'a',
      },
    ]);
    const same = setConditions(
      first,
      [{ type: 'Ready', status: 'False', reason: 'Other', message: 'b' }],
      2,
      't2',
    );
    expect(same[0]).toMatchObject({ lastTransitionTime: 't1', reason: 'Other', observedGeneration: 2 });
    const flipped = setConditions(
      same,
      [{ type: 'Ready', status: 'True', reason: 'Ready', message: '' }],
      2,
      't3',
    );
    expect(flipped[0]!.lastTransitionTime).toBe('t3');
  });
});
