import { describe, expect, it } from '@jest/globals';
import type { ValidationResult } from '../validation/validator.js';
import { permissionFor, type PermissionDecision } from './claude-code-hook.js';

type Case = [Pick<ValidationResult, 'decision' | 'tier' | 'reason'>, PermissionDecision];

const cases: Case[] = [
  [{ decision: 'allow', tier: 'policy', reason: 'ok' }, 'allow'],
  [{ decision: 'block', tier: 'policy', reason: 'rm -rf /' }, 'deny'],
  [{ decision: 'block', tier: 'error', reason: 'internal_error' }, 'deny'],
  [{ decision: 'block', tier: 'escalation', reason: 'expert said no' }, 'deny'],
  [{ decision: 'block', tier: 'escalation', reason: 'escalation_timeout' }, 'ask'],
  [{ decision: 'escalate', tier: 'escalation', reason: 'privileged' }, 'ask'],
];

describe('permissionFor', () => {
  it.each(cases)('%j → %s', (result, expected) => {
    expect(permissionFor(result)).toBe(expected);
  });
});
