import { describe, expect, it } from '@jest/globals';

import type { V1ConfigMap } from '@kubernetes/client-node';

import { APPLIED_ANNOTATION, ChildApplier } from './children.js';

const cm = (data: Record<string, string>): V1ConfigMap & { metadata: { name: string } } => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'n', labels: { a: '1' } },
  data,
});

describe('ChildApplier (pure parts)', () => {
  it('annotates what it applies with a hash of the content', () => {
    const a = ChildApplier.withAppliedHash(cm({ k: 'v' }));
    expect(a.metadata!.annotations![APPLIED_ANNOTATION]).toMatch(/^[0-9a-f]{10}$/);
    expect(a.metadata!.labels).toEqual({ a: '1' });
    expect(ChildApplier.withAppliedHash(cm({ k: 'w' })).metadata!.annotations![APPLIED_ANNOTATION]).not.toBe(
      a.metadata!.annotations![APPLIED_ANNOTATION],
    );
  });

  it('needs no write when the live object holds everything (plus server fields)', () => {
    const desired = ChildApplier.withAppliedHash(cm({ k: 'v' }));
    const live = {
      ...desired,
      metadata: {
        ...desired.metadata,
        uid: 'x',
        resourceVersion: '5',
        annotations: { ...desired.metadata!.annotations, other: 'y' },
      },
    };
    expect(ChildApplier.drift(desired, live)).toBeUndefined();
  });

  it('detects absence, edited values and a removed field (via the hash)', () => {
    const desired = ChildApplier.withAppliedHash(cm({ k: 'v' }));
    expect(ChildApplier.drift(desired, undefined)).toBe('absent');
    expect(ChildApplier.drift(desired, { ...desired, data: { k: 'edited' } } as V1ConfigMap)).toBe('.data.k');
    // We used to set two keys and now set one: the live object still contains ours, but the hash differs.
    const before = ChildApplier.withAppliedHash(cm({ k: 'v', old: 'x' }));
    expect(ChildApplier.drift(desired, before)).toBe(`.metadata.annotations.${APPLIED_ANNOTATION}`);
  });
});
