import { describe, expect, it } from '@jest/globals';
import { cacheKey } from './cache-key.js';
import { decide } from './decide.js';
import { defaultPolicy } from './default-policy.js';
import type { ToolCall } from './types.js';

const bash = (command: string, cwd = '/home/u/p'): ToolCall => ({ tool: 'Bash', input: { command }, cwd });

describe('cacheKey', () => {
  it('ignores whitespace and layout differences', () => {
    expect(cacheKey(bash('rm  -rf   /'))).toBe(cacheKey(bash('rm -rf /')));
    expect(cacheKey(bash('ls;pwd'))).toBe(cacheKey(bash('ls ; pwd')));
    expect(cacheKey(bash('  git status  \n'))).toBe(cacheKey(bash('git status')));
    expect(cacheKey(bash('ls # a comment'))).toBe(cacheKey(bash('ls')));
  });

  it('keeps different commands, cwds and tools apart', () => {
    expect(cacheKey(bash('rm -rf ./a'))).not.toBe(cacheKey(bash('rm -rf ./b')));
    expect(cacheKey(bash('rm -rf *', '/'))).not.toBe(cacheKey(bash('rm -rf *', '/home/u/p')));
    expect(cacheKey(bash('echo "a  b"'))).not.toBe(cacheKey(bash('echo "a b"')));
    expect(cacheKey({ tool: 'Read', input: { file_path: '/x' } })).not.toBe(
      cacheKey({ tool: 'Write', input: { file_path: '/x' } }),
    );
  });

  it('gives flag spellings of the same command the same decision', () => {
    const policy = defaultPolicy();
    const decisions = ['rm -rf /', 'rm -fr /', 'rm -r -f /', 'rm --recursive --force /', 'rm  -fr   /'].map(
      (cmd) => decide(policy, bash(cmd)).ruleId,
    );
    expect(new Set(decisions)).toEqual(new Set(['rm-recursive-critical']));
  });

  it('keys file tools by canonical path, keeping whether .. was used', () => {
    const write = (file_path: string, cwd = '/home/u/p'): ToolCall => ({
      tool: 'Write',
      input: { file_path, content: 'x' },
      cwd,
    });
    expect(cacheKey(write('/home/u/p/src//a.ts'))).toBe(cacheKey(write('./src/a.ts')));
    // An expert may judge the content, so it is part of the key.
    expect(cacheKey(write('src/a.ts'))).not.toBe(
      cacheKey({ ...write('src/a.ts'), input: { file_path: 'src/a.ts', content: 'other' } }),
    );
    expect(cacheKey(write('../p/src/a.ts'))).not.toBe(cacheKey(write('src/a.ts')));
  });

  it('keys other tools by their input in canonical JSON', () => {
    const a: ToolCall = { tool: 'mcp__x__y', input: { b: 1, a: [1, { d: 2, c: 3 }] } };
    const b: ToolCall = { tool: 'mcp__x__y', input: { a: [1, { c: 3, d: 2 }], b: 1 } };
    expect(cacheKey(a)).toBe(cacheKey(b));
    expect(cacheKey(a)).not.toBe(cacheKey({ ...a, input: { b: 2 } }));
  });

  it("ignores Bash's description but not its other fields", () => {
    const call = (input: Record<string, unknown>): ToolCall => ({ tool: 'Bash', input, cwd: '/p' });
    expect(cacheKey(call({ command: 'ls', description: 'list' }))).toBe(cacheKey(call({ command: 'ls' })));
    expect(cacheKey(call({ command: 'ls', run_in_background: true }))).not.toBe(
      cacheKey(call({ command: 'ls' })),
    );
  });

  it('keys other tools with a command field by their raw input, path canonical', () => {
    const call = (command: string, path: string): ToolCall => ({
      tool: 'mcp__shell__run',
      input: { command, path },
    });
    expect(cacheKey(call('ls', '/a'))).not.toBe(cacheKey(call('ls', '/b')));
    expect(cacheKey(call('ls', '/a'))).not.toBe(cacheKey(call('ls -l', '/a')));
    expect(cacheKey(call('ls', '/a'))).not.toBe(cacheKey(call('ls ', '/a')));
    expect(cacheKey(call('ls', '/a//b'))).toBe(cacheKey(call('ls', '/a/b')));
  });

  it('keys unparseable commands by their raw text', () => {
    expect(cacheKey(bash('echo "open'))).not.toBe(cacheKey(bash('echo  "open')));
  });
});
