import { describe, expect, it } from '@jest/globals';
import {
  changedFile,
  decisionResult,
  HookInputError,
  parseHookInput,
  readDecision,
  unreachableResult,
  validationRequest,
  type HookInput,
} from './protocol.js';

const bash = {
  session_id: 'abc',
  transcript_path: '/tmp/t.jsonl',
  cwd: '/work/p',
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: 'Bash',
  tool_input: { command: 'ls', description: 'list' },
  tool_use_id: 'toolu_1',
};

describe('hook protocol', () => {
  it('parses Claude Code hook input, keeping unknown fields', () => {
    const input = parseHookInput(JSON.stringify(bash), 'PreToolUse');
    expect(input.tool_name).toBe('Bash');
    expect(input.tool_use_id).toBe('toolu_1');
  });

  it.each([
    ['not json', /not JSON/],
    ['[]', /JSON object/],
    [JSON.stringify({ ...bash, tool_name: undefined }), /no tool_name/],
    [JSON.stringify({ ...bash, tool_input: 'x' }), /no tool_input/],
    [JSON.stringify({ ...bash, hook_event_name: 'PostToolUse' }), /handles PreToolUse/],
  ])('refuses %j', (text, message) => {
    expect(() => parseHookInput(text, 'PreToolUse')).toThrow(HookInputError);
    expect(() => parseHookInput(text, 'PreToolUse')).toThrow(message);
  });

  it('prints a PreToolUse decision as hookSpecificOutput', () => {
    const r = decisionResult('deny', 'rm -rf is blocked');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: 'rm -rf is blocked',
      },
    });
  });

  it('bridge unreachable: deny = exit 2 with the reason on stderr; ask/allow = a decision', () => {
    const deny = unreachableResult('deny', 'ECONNREFUSED');
    expect(deny).toMatchObject({ exitCode: 2, stdout: '' });
    expect(deny.stderr).toMatch(/bridge unreachable \(ECONNREFUSED\); tool call blocked/);
    expect(JSON.parse(unreachableResult('ask', 'x').stdout).hookSpecificOutput.permissionDecision).toBe(
      'ask',
    );
    expect(JSON.parse(unreachableResult('allow', 'x').stdout).hookSpecificOutput.permissionDecision).toBe(
      'allow',
    );
  });

  it.each([
    [{ decision: 'allow', reason: 'ok', tier: 'policy' }, 'allow'],
    [{ decision: 'block', reason: 'rm -rf /', ruleId: 'rm-recursive-critical', tier: 'policy' }, 'deny'],
    [{ decision: 'escalate', reason: 'risky', tier: 'risk' }, 'ask'],
    [{ decision: 'block', reason: 'escalation_timeout', tier: 'escalation' }, 'ask'],
    [{ decision: 'block', reason: 'expert said no', tier: 'escalation' }, 'deny'],
  ])('maps the validation %j to %s', (answer, decision) => {
    expect(readDecision({ ...answer, decisionId: 'd1' })?.decision).toBe(decision);
  });

  it('names the rule and decision in the reason, and reads nothing from a malformed answer', () => {
    expect(readDecision({ decision: 'block', reason: 'no', ruleId: 'r1', decisionId: 'd1' })?.reason).toBe(
      'Lighthouse: no (rule r1) [decision d1]',
    );
    expect(readDecision({ decision: 'maybe', reason: 'x' })).toBeUndefined();
    expect(readDecision({ decision: 'allow' })).toBeUndefined();
    expect(readDecision(null)).toBeUndefined();
  });

  it('builds the validation request from the hook input', () => {
    expect(validationRequest(parseHookInput(JSON.stringify(bash), 'PreToolUse'))).toEqual({
      tool: 'Bash',
      input: { command: 'ls', description: 'list' },
      sessionId: 'abc',
      cwd: '/work/p',
    });
  });

  it('finds the project-relative path of Write/Edit/MultiEdit, inside the root only', () => {
    const at = (tool: string, file: unknown): HookInput => ({
      hook_event_name: 'PostToolUse',
      tool_name: tool,
      tool_input: { file_path: file },
    });
    expect(changedFile(at('Write', '/work/p/src/a.ts'), '/work/p')).toBe('src/a.ts');
    expect(changedFile(at('Edit', 'src/b.ts'), '/work/p')).toBe('src/b.ts');
    expect(changedFile(at('MultiEdit', '/work/p/c.md'), '/work/p')).toBe('c.md');
    expect(changedFile(at('Read', '/work/p/src/a.ts'), '/work/p')).toBeUndefined();
    expect(changedFile(at('Write', '/etc/passwd'), '/work/p')).toBeUndefined();
    expect(changedFile(at('Write', '/work/p/../q/x'), '/work/p')).toBeUndefined();
    expect(changedFile(at('Write', 42), '/work/p')).toBeUndefined();
  });
});
