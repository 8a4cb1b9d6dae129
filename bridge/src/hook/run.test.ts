import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { postToolUse, preToolUse, type Post } from './run.js';
import { UnreachableError, type PostResult } from './transport.js';

const pre = JSON.stringify({
  session_id: 's1',
  cwd: '/p',
  hook_event_name: 'PreToolUse',
  tool_name: 'Bash',
  tool_input: { command: 'ls' },
});
const answer =
  (status: number, body: unknown): Post =>
  async () =>
    ({ status, body }) as PostResult;
const down: Post = async () => {
  throw new UnreachableError('ECONNREFUSED');
};

describe('preToolUse', () => {
  it('asks /v1/validate and prints the decision as hook output', async () => {
    const calls: [string, unknown][] = [];
    const body = { decision: 'block', reason: 'no', ruleId: 'r', tier: 'policy', decisionId: 'd' };
    const r = await preToolUse(pre, async (p, b) => (calls.push([p, b]), { status: 200, body }), 'deny');
    expect(calls).toEqual([
      ['/v1/validate', { tool: 'Bash', input: { command: 'ls' }, sessionId: 's1', cwd: '/p' }],
    ]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).hookSpecificOutput).toEqual({
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: 'Lighthouse: no (rule r) [decision d]',
    });
  });

  it.each([
    ['unreachable', down, 'deny', 2],
    ['unreachable, ask', down, 'ask', 0],
    ['HTTP 503', answer(503, { error: { code: 'store_unavailable' } }), 'deny', 2],
    ['HTTP 401 (even with allow)', answer(401, { error: { code: 'bad_signature' } }), 'allow', 2],
    ['no decision in the answer', answer(200, { ok: true }), 'allow', 2],
    ['garbage on stdin', answer(200, {}), 'allow', 2],
  ] as Array<[string, Post, 'allow' | 'deny' | 'ask', 0 | 2]>)(
    '%s → exit %#',
    async (name, post, mode, code) => {
      const stdin = name.startsWith('garbage') ? 'nope' : pre;
      const r = await preToolUse(stdin, post, mode);
      expect(r.exitCode).toBe(code);
      if (code === 2) expect(r.stderr).toMatch(/blocked/);
    },
  );
});

describe('postToolUse', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'post-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const post = (tool: string, file: string) =>
    JSON.stringify({
      session_id: 's2',
      cwd: root,
      hook_event_name: 'PostToolUse',
      tool_name: tool,
      tool_input: { file_path: file },
      tool_response: {},
    });

  it('reports a written file with its content from disk', async () => {
    writeFileSync(path.join(root, 'a.txt'), 'hello');
    const calls: [string, unknown][] = [];
    const r = await postToolUse(
      post('Write', path.join(root, 'a.txt')),
      async (p, b) => {
        calls.push([p, b]);
        return { status: p === '/v1/files' ? 201 : 200, body: {} };
      },
      undefined,
    );
    expect(r.exitCode).toBe(0);
    expect(calls[0]).toEqual([
      '/v1/files',
      { path: 'a.txt', contentBase64: Buffer.from('hello').toString('base64'), sessionId: 's2' },
    ]);
  });

  it('reports a file that no longer exists as deleted', async () => {
    const calls: [string, unknown][] = [];
    await postToolUse(
      post('Edit', 'gone.txt'),
      async (p, b) => {
        calls.push([p, b]);
        return { status: 201, body: {} };
      },
      root,
    );
    expect(calls[0]![1]).toMatchObject({ path: 'gone.txt', deleted: true });
  });

  it('a deletion of a file the bridge never had is nothing to report; other refusals are', async () => {
    const answer = (status: number, code: string) => async () => ({ status, body: { error: { code } } });
    const quiet = await postToolUse(post('Edit', 'gone.txt'), answer(404, 'not_found'), root);
    expect([quiet.exitCode, quiet.stderr]).toEqual([0, '']);
    writeFileSync(path.join(root, 'b.txt'), 'x');
    const refused = await postToolUse(post('Write', 'b.txt'), answer(404, 'not_found'), root);
    expect([refused.exitCode, refused.stderr]).toEqual([
      1,
      'lighthouse: file report for b.txt: HTTP 404 not_found\n',
    ]);
  });

  it('does not report Read, and an unreachable bridge is a non-blocking error', async () => {
    const calls: string[] = [];
    await postToolUse(post('Read', 'a.txt'), async (p) => (calls.push(p), { status: 200, body: {} }), root);
    expect(calls).toEqual([]);
    const r = await postToolUse(post('Write', 'a.txt'), down, root);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/unreachable/);
  });
});
