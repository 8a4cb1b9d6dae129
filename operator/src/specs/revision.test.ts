import { describe, expect, it } from '@jest/globals';

import { canonicalJson, revisionOf } from './revision.js';

describe('revisionOf', () => {
  it('ignores key order and undefined values', () => {
    expect(revisionOf({ a: 1, b: { c: [1, 2], d: undefined } })).toBe(revisionOf({ b: { c: [1, 2] }, a: 1 }));
    expect(canonicalJson({ b: 1, a: 'x' })).toBe('{"a":"x","b":1}');
  });

  it('changes when a value changes, including array order', () => {
    expect(revisionOf({ image: 'a:1' })).not.toBe(revisionOf({ image: 'a:2' }));
    expect(revisionOf([1, 2])).not.toBe(revisionOf([2, 1]));
    expect(revisionOf({})).toMatch(/^[0-9a-f]{10}$/);
  });
});
