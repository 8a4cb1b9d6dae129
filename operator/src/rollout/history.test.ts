import { describe, expect, it } from '@jest/globals';
import type { V1ControllerRevision } from '@kubernetes/client-node';

import { sampleBridge } from '../api/fixture.js';
import type { LighthouseBridge } from '../api/types.js';
import { buildDeployment } from '../specs/deployment.js';
import { buildControllerRevision, revisionName, revisionsToPrune } from './history.js';

const lhb: LighthouseBridge = {
  ...sampleBridge(),
  metadata: { name: 'b', namespace: 'ns', generation: 7, uid: 'uid-1' },
};

describe('buildControllerRevision', () => {
  it('holds the template, is owned by the resource (garbage-collected with it) and named by the revision', () => {
    const { deployment, revision } = buildDeployment(lhb);
    const cr = buildControllerRevision(lhb, revision, deployment.spec!.template);
    expect(cr.metadata?.name).toBe(`b-bridge-${revision}`);
    expect(cr.metadata?.name).toBe(revisionName(lhb, revision));
    expect(cr.metadata?.namespace).toBe('ns');
    expect(cr.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'LighthouseBridge', name: 'b', uid: 'uid-1', controller: true }),
    ]);
    expect(cr.data).toEqual({ template: deployment.spec!.template });
    expect(cr.revision).toBe(7);
  });
});

describe('revisionsToPrune', () => {
  const cr = (rev: string, generation: number, uid = 'uid-1', created = '2026-01-01T00:00:00Z') =>
    ({
      metadata: { name: `b-bridge-${rev}`, ownerReferences: [{ uid }], creationTimestamp: created },
      revision: generation,
    }) as unknown as V1ControllerRevision;

  it('keeps the newest by generation and deletes the rest', () => {
    const stored = [cr('a', 1), cr('c', 3), cr('b', 2), cr('d', 4)];
    expect(revisionsToPrune(lhb, stored, 2, new Set())).toEqual(['b-bridge-b', 'b-bridge-a']);
    expect(revisionsToPrune(lhb, stored, 4, new Set())).toEqual([]);
  });

  it('never deletes a protected revision (current, last good), nor another owner’s objects', () => {
    const stored = [cr('a', 1), cr('b', 2), cr('c', 3), cr('x', 0, 'uid-other')];
    expect(revisionsToPrune(lhb, stored, 1, new Set(['a']))).toEqual(['b-bridge-b']);
  });

  it('orders equal generations by creation time', () => {
    const stored = [
      cr('old', 5, 'uid-1', '2026-01-01T00:00:00Z'),
      cr('new', 5, 'uid-1', '2026-01-02T00:00:00Z'),
    ];
    expect(revisionsToPrune(lhb, stored, 1, new Set())).toEqual(['b-bridge-old']);
  });
});
