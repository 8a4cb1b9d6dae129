import { describe, expect, it } from '@jest/globals';

import { sampleBridge } from '../api/fixture.js';
import type { LighthouseBridge } from '../api/types.js';
import { buildDeployment } from '../specs/deployment.js';
import { buildControllerRevision, revisionName } from './history.js';

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
