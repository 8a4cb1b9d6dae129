// Warn-mode rule hits as the caller sees them: they do not decide, but unlike dryrun
// hits (audit log only) they travel with the answer. Free of imports, so the hook
// command can format them without loading anything.
import type { Decision, RuleHit } from '../policy/types.js';

export interface PolicyWarning {
  ruleId: string;
  /** What the rule would have decided, were it enforced. */
  decision: Decision;
  reason: string;
}

export function warningsOf(observed: readonly RuleHit[]): PolicyWarning[] {
  return observed
    .filter((h) => h.enforcement === 'warn')
    .map((h) => ({ ruleId: h.ruleId, decision: h.action, reason: h.reason }));
}

/**
 * `; warning: rule x would block (reason)` for each warning, for a hook's
 * permissionDecisionReason; empty when there are none. Takes the response field
 * as it came over the wire: entries that are not warnings are skipped.
 */
export function warningNote(warnings: unknown): string {
  if (!Array.isArray(warnings)) return '';
  return warnings
    .filter(
      (w): w is PolicyWarning =>
        typeof w?.ruleId === 'string' && typeof w.decision === 'string' && typeof w.reason === 'string',
    )
    .map((w) => `; warning: rule ${w.ruleId} would ${w.decision} (${w.reason})`)
    .join('');
}
