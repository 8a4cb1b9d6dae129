import { describe, expect, it } from '@jest/globals';

import { firstDifference, quantityValue } from './compare.js';

describe('firstDifference', () => {
  it('accepts a live object that adds server defaults around our fields', () => {
    const desired = { spec: { ports: [{ name: 'http', port: 8765 }], selector: { a: '1' } } };
    const live = {
      metadata: { uid: 'u' },
      spec: {
        ports: [{ name: 'http', port: 8765, protocol: 'TCP' }],
        selector: { a: '1' },
        clusterIP: '10.0.0.5',
      },
    };
    expect(firstDifference(desired, live)).toBeUndefined();
  });

  it('names the first field that differs or is missing', () => {
    expect(firstDifference({ spec: { replicas: 2 } }, { spec: { replicas: 3 } })).toBe('.spec.replicas');
    expect(firstDifference({ a: { b: 'x' } }, { a: {} })).toBe('.a.b');
    expect(firstDifference({ l: [1, 2] }, { l: [1] })).toBe('.l');
    expect(firstDifference({ l: [{ n: 'a' }] }, { l: [{ n: 'b' }] })).toBe('.l[0].n');
    expect(firstDifference({ o: { k: 1 } }, { o: 'str' })).toBe('.o');
  });

  it('matches an empty string or list with an absent field (the API drops them), but not an empty object', () => {
    const desired = {
      tolerations: [{ key: 'k', operator: 'Exists', value: '' }],
      selector: { matchExpressions: [{ key: 'k', operator: 'Exists', values: [] }] },
      volumeMounts: [],
    };
    const live = {
      tolerations: [{ key: 'k', operator: 'Exists' }],
      selector: { matchExpressions: [{ key: 'k', operator: 'Exists' }] },
    };
    expect(firstDifference(desired, live)).toBeUndefined();
    // Present in both, they must still agree; and `emptyDir: {}` is kept by the API, so one missing is drift.
    expect(firstDifference({ value: '' }, { value: 'v' })).toBe('.value');
    expect(firstDifference({ values: [] }, { values: ['v'] })).toBe('.values');
    expect(firstDifference({ volume: { emptyDir: {} } }, { volume: { hostPath: { path: '/' } } })).toBe(
      '.volume.emptyDir',
    );
  });

  it('compares quantities by value and int-or-string by text', () => {
    expect(firstDifference({ cpu: '0.5' }, { cpu: '500m' })).toBeUndefined();
    expect(firstDifference({ mem: '1Gi' }, { mem: '1024Mi' })).toBeUndefined();
    expect(firstDifference({ mem: '1Gi' }, { mem: '1G' })).toBe('.mem');
    expect(firstDifference({ port: 8765 }, { port: '8765' })).toBeUndefined();
    expect(firstDifference({ name: 'http' }, { name: 'https' })).toBe('.name');
    // Every form the API accepts, against what the server writes back (else: a write per reconcile).
    expect(firstDifference({ cpu: '.5' }, { cpu: '500m' })).toBeUndefined();
    expect(firstDifference({ cpu: '1.' }, { cpu: '1' })).toBeUndefined();
    expect(firstDifference({ mem: '1.5e9' }, { mem: '1500e6' })).toBeUndefined();
    expect(firstDifference({ mem: '1.5e9' }, { mem: '1500e5' })).toBe('.mem');
  });

  it('parses Kubernetes quantities', () => {
    expect(quantityValue('250m')).toBe(0.25);
    expect(quantityValue('2Ki')).toBe(2048);
    expect(quantityValue('.5')).toBe(0.5);
    expect(quantityValue('12e-3')).toBe(0.012);
    expect(quantityValue('abc')).toBeUndefined();
    expect(quantityValue('1e')).toBeUndefined();
  });
});
