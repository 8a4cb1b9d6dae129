import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

import { sampleBridge } from '../api/fixture.js';
import { buildConfigMap } from './config-map.js';

describe('buildConfigMap', () => {
  it('renders spec.policy and spec.featureFlags as YAML files', () => {
    const policy = {
      rules: [{ id: 'no-rm', tool: 'Bash', match: { command: 'rm -rf' }, decision: 'block' }],
    };
    const cm = buildConfigMap(
      sampleBridge({ policy, featureFlags: { fast: { mode: 'percentage', percentage: 25 } } }),
    );
    expect(cm.metadata!.name).toBe('demo-config');
    expect(parse(cm.data!['policy.yaml']!)).toEqual(policy);
    expect(parse(cm.data!['flags.yaml']!)).toEqual({ fast: { mode: 'percentage', percentage: 25 } });
  });

  it('leaves policy.yaml out without a policy and renders the same text for the same input', () => {
    const cm = buildConfigMap(sampleBridge());
    expect(Object.keys(cm.data!)).toEqual(['flags.yaml']);
    expect(parse(cm.data!['flags.yaml']!)).toEqual({});
    const a = buildConfigMap(sampleBridge({ policy: { b: 1, a: 2 } })).data!['policy.yaml'];
    const b = buildConfigMap(sampleBridge({ policy: { a: 2, b: 1 } })).data!['policy.yaml'];
    expect(a).toBe(b);
  });
});
