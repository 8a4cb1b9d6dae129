import { describe, expect, it } from '@jest/globals';
import { readDecision } from '../hook/protocol.js';
import type { RuleHit } from '../policy/types.js';
import { warningNote, warningsOf } from './warnings.js';

const hit = (ruleId: string, enforcement: RuleHit['enforcement']): RuleHit => ({
  ruleId,
  action: 'block',
  enforcement,
  category: 'test',
  reason: `${ruleId}: curl x`,
});

describe('warningsOf', () => {
  it('keeps warn-mode hits only, as what the rule would decide', () => {
    expect(warningsOf([hit('w', 'warn'), hit('d', 'dryrun'), hit('e', 'enforce')])).toEqual([
      { ruleId: 'w', decision: 'block', reason: 'w: curl x' },
    ]);
  });
});

describe('warningNote', () => {
  it('names each warning, skipping what is not one', () => {
    const warnings = [
      { ruleId: 'a', decision: 'block', reason: 'a: curl x' },
      { ruleId: 'b' },
      null,
      { ruleId: 'c', decision: 'escalate', reason: 'c: y' },
    ];
    expect(warningNote(warnings)).toBe(
      '; warning: rule a would block (a: curl x); warning: rule c would escalate (c: y)',
    );
    expect(warningNote(undefined)).toBe('');
    expect(warningNote('rule a')).toBe('');
  });

  it('puts the warnings into the command hook’s permissionDecisionReason, before the decision id', () => {
    const answer = {
      decision: 'allow',
      reason: 'Only read-only commands: ls',
      ruleId: 'read-only-commands',
      decisionId: 'd1',
      warnings: [{ ruleId: 'watch', decision: 'escalate', reason: 'watch: ls' }],
    };
    expect(readDecision(answer)).toEqual({
      decision: 'allow',
      reason:
        'Lighthouse: Only read-only commands: ls (rule read-only-commands); warning: rule watch would escalate (watch: ls) [decision d1]',
    });
  });
});
