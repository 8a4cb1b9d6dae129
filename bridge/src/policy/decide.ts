// Tiers 2 and 3 in one call, parsing the command once: the policy decides when an
// enforce rule matched, else the risk score against its thresholds. The bridge core
// wraps this with its cache and escalation; the benchmark and table test use it directly.
import { riskDecision, riskOfSubject, type RiskAssessment } from '../risk/index.js';
import { evaluateSubject } from './evaluate.js';
import { subjectOf } from './subject.js';
import type { Decision, Policy, RuleHit, ToolCall } from './types.js';

export interface PolicyDecision {
  decision: Decision;
  /** `policy` when a rule decided, `risk` when the score did. */
  tier: 'policy' | 'risk';
  /** The deciding rule's id, or `risk-score`. */
  ruleId: string;
  reason: string;
  observed: RuleHit[];
  /** Present when the risk tier decided. */
  risk?: RiskAssessment;
}

export function decide(policy: Policy, call: ToolCall): PolicyDecision {
  const subject = subjectOf(call);
  const { decisive, observed } = evaluateSubject(policy, subject);
  if (decisive !== null) {
    return {
      decision: decisive.action,
      tier: 'policy',
      ruleId: decisive.ruleId,
      reason: decisive.reason,
      observed,
    };
  }
  const risk = riskOfSubject(subject);
  const reason = `risk score ${risk.score}${risk.reasons.length > 0 ? ` (${risk.reasons.join(', ')})` : ''}`;
  return { decision: riskDecision(risk.score), tier: 'risk', ruleId: 'risk-score', reason, observed, risk };
}
