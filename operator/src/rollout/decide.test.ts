import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';

import type { LighthouseBridgeStatus } from '../api/types.js';
import { REVISION_ANNOTATION } from '../specs/revision.js';
import { deadlineExceeded, decideRollout, ROLLED_BACK_FROM_ANNOTATION } from './decide.js';

function deployment(
  rev: string,
  o: { progressing?: { status: string; reason: string }; observed?: number; rolledBackFrom?: string } = {},
): V1Deployment {
  return {
    metadata: {
      generation: 3,
      ...(o.rolledBackFrom ? { annotations: { [ROLLED_BACK_FROM_ANNOTATION]: o.rolledBackFrom } } : {}),
    },
    spec: { selector: {}, template: { metadata: { annotations: { [REVISION_ANNOTATION]: rev } } } },
    status: {
      observedGeneration: o.observed ?? 3,
      ...(o.progressing ? { conditions: [{ type: 'Progressing', ...o.progressing }] } : {}),
    },
  };
}
const exceeded = { status: 'False', reason: 'ProgressDeadlineExceeded' };
const good: LighthouseBridgeStatus = { lastGoodRevision: 'good' };

describe('deadlineExceeded', () => {
  it('is true only for the given revision, once the Deployment controller has seen the template', () => {
    expect(deadlineExceeded(deployment('bad', { progressing: exceeded }), 'bad')).toBe(true);
    expect(deadlineExceeded(deployment('bad', { progressing: exceeded }), 'other')).toBe(false);
    expect(deadlineExceeded(deployment('bad', { progressing: exceeded, observed: 2 }), 'bad')).toBe(false);
    const progressing = { status: 'True', reason: 'ReplicaSetUpdated' };
    expect(deadlineExceeded(deployment('bad', { progressing }), 'bad')).toBe(false);
    expect(deadlineExceeded(undefined, 'bad')).toBe(false);
  });
});

describe('decideRollout', () => {
  const base = { desired: 'bad', autoRollback: true, status: good };

  it('applies the spec while its rollout progresses', () => {
    expect(decideRollout({ ...base, deployment: deployment('bad') })).toEqual({ kind: 'apply' });
    expect(decideRollout({ ...base, deployment: deployment('good') })).toEqual({ kind: 'apply' });
    expect(decideRollout({ ...base, deployment: undefined })).toEqual({ kind: 'apply' });
  });

  it('rolls back to the last good revision when the deadline is exceeded', () => {
    expect(decideRollout({ ...base, deployment: deployment('bad', { progressing: exceeded }) })).toEqual({
      kind: 'rollback',
      to: 'good',
      failed: 'bad',
    });
  });

  it('holds the rollback (no second attempt) while the spec asks for the failed revision', () => {
    const back = { kind: 'rollback', to: 'good', failed: 'bad' };
    // Recorded on the Deployment (written with the rollback itself) ...
    expect(decideRollout({ ...base, deployment: deployment('good', { rolledBackFrom: 'bad' }) })).toEqual(
      back,
    );
    // ... or in the status (the Deployment was edited meanwhile).
    const status = {
      ...good,
      lastRollout: { revision: 'bad', startedAt: 't0', finishedAt: 't1', result: 'RolledBack' as const },
    };
    expect(decideRollout({ ...base, status, deployment: deployment('good') })).toEqual(back);
  });

  it('tries a new revision after a rollback: the spec changed again', () => {
    const status = {
      ...good,
      lastRollout: { revision: 'bad', startedAt: 't0', finishedAt: 't1', result: 'RolledBack' as const },
    };
    const d = deployment('good', { rolledBackFrom: 'bad' });
    expect(decideRollout({ ...base, desired: 'fixed', status, deployment: d })).toEqual({ kind: 'apply' });
  });

  it('starts no rollback while paused (nothing is applied), but holds one already applied', () => {
    const failed = deployment('bad', { progressing: exceeded });
    expect(decideRollout({ ...base, paused: true, deployment: failed })).toEqual({ kind: 'apply' });
    // Unpaused: the rollback happens then.
    expect(decideRollout({ ...base, paused: false, deployment: failed })).toEqual({
      kind: 'rollback',
      to: 'good',
      failed: 'bad',
    });
    const rolledBack = deployment('good', { rolledBackFrom: 'bad' });
    expect(decideRollout({ ...base, paused: true, deployment: rolledBack })).toEqual({
      kind: 'rollback',
      to: 'good',
      failed: 'bad',
    });
  });

  it('never rolls back without autoRollback, without a last good revision, or to the failed revision itself', () => {
    const d = deployment('bad', { progressing: exceeded });
    expect(decideRollout({ ...base, autoRollback: false, deployment: d })).toEqual({ kind: 'apply' });
    expect(decideRollout({ ...base, status: {}, deployment: d })).toEqual({ kind: 'apply' });
    expect(decideRollout({ ...base, status: undefined, deployment: d })).toEqual({ kind: 'apply' });
    expect(decideRollout({ ...base, status: { lastGoodRevision: 'bad' }, deployment: d })).toEqual({
      kind: 'apply',
    });
  });
});
