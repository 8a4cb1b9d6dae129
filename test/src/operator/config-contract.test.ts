// The ConfigMap the operator renders is the configuration the bridge reads:
// the files must parse with the bridge's own parsers, to the same meaning.
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { configRevision } from '@lighthouse/bridge/config/config-revision.js';
import { parseFlags } from '@lighthouse/bridge/flags/config.js';
import { DEFAULT_POLICY_YAML, defaultPolicy, parsePolicy } from '@lighthouse/bridge/policy/index.js';
import { sampleBridge } from '@lighthouse/operator/api/fixture.js';
import { buildConfigMap, configRevisionOf } from '@lighthouse/operator/specs/config-map.js';

describe('operator ConfigMap → bridge configuration', () => {
  it('renders spec.featureFlags as a flags.yaml the bridge accepts, flag for flag', () => {
    const featureFlags = {
      elicitation: { mode: 'off' as const },
      heuristics: { mode: 'percentage' as const, percentage: 25 },
      escalation: { mode: 'agents' as const, agents: ['alice'] },
    };
    const cm = buildConfigMap(sampleBridge({ featureFlags }));
    expect(parseFlags(cm.data!['flags.yaml']!)).toEqual(featureFlags);
    expect(parseFlags(buildConfigMap(sampleBridge()).data!['flags.yaml']!)).toEqual({});
  });

  it('renders spec.policy as a policy.yaml the bridge accepts, with the same revision', () => {
    const policy = parse(DEFAULT_POLICY_YAML) as Record<string, unknown>;
    const cm = buildConfigMap(sampleBridge({ policy }));
    expect(parsePolicy(cm.data!['policy.yaml']!).revision).toBe(defaultPolicy().revision);
  });

  it('hashes the ConfigMap into the config revision a bridge reports after loading its files', () => {
    const policy = parse(DEFAULT_POLICY_YAML) as Record<string, unknown>;
    const featureFlags = { heuristics: { mode: 'off' as const } };
    for (const cm of [
      buildConfigMap(sampleBridge({ policy, featureFlags })),
      buildConfigMap(sampleBridge()), // no policy.yaml: the bridge's default policy
    ]) {
      expect(configRevisionOf(cm)).toBe(
        configRevision({ policy: cm.data!['policy.yaml'], flags: cm.data!['flags.yaml'] }),
      );
    }
  });
});
