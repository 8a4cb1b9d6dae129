import { describe, expect, it } from '@jest/globals';
import {
  changedFile,
  decisionResult,
  HookInputError,
  parseHookInput,
  readDecision,
  unreachableResult,
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

  it('reads a decision from the bridge answer, and nothing from a malformed one', () => {
    expect(
      readDecision({ hookSpecificOutput: { permissionDecision: 'ask', permissionDecisionReason: 'r' } }),
    ).toEqual({ decision: 'ask', reason: 'r' });
    expect(readDecision({ hookSpecificOutput: { permissionDecision: 'maybe' } })).toBeUndefined();
    expect(readDecision({ decision: 'allow' })).toBeUndefined();
    expect(readDecision(null)).toBeUndefined();
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
