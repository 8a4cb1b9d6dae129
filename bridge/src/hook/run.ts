// What `lighthouse hook pre-tool-use` / `post-tool-use` do with one hook call,
// given a way to POST to the bridge. Fails closed: anything but a clear
// decision from the bridge blocks the tool unless --on-unreachable says otherwise.
import path from 'node:path';
import {
  changedFile,
  decisionResult,
  HookInputError,
  parseHookInput,
  readDecision,
  unreachableResult,
  validationRequest,
  type HookResult,
  type UnreachableMode,
} from './protocol.js';
import { resolvedPathsField } from './real-paths.js';
import { UnreachableError, type PostResult } from './transport.js';

export type Post = (path: string, body: unknown) => Promise<PostResult>;

export const VALIDATE_ENDPOINT = '/v1/validate';

const blocked = (reason: string): HookResult => ({
  exitCode: 2,
  stdout: '',
  stderr: `lighthouse: ${reason}; tool call blocked\n`,
});

const errorCode = (body: unknown) =>
  (body as { error?: { code?: string; message?: string } } | null)?.error?.code ?? 'unknown_error';

export async function preToolUse(
  stdin: string,
  post: Post,
  onUnreachable: UnreachableMode,
): Promise<HookResult> {
  let input;
  try {
    input = parseHookInput(stdin, 'PreToolUse');
  } catch (err) {
    if (err instanceof HookInputError) return blocked(err.message);
    throw err;
  }
  let res: PostResult;
  try {
    res = await post(VALIDATE_ENDPOINT, { ...validationRequest(input), ...resolvedPathsField(input) });
  } catch (err) {
    if (err instanceof UnreachableError) return unreachableResult(onUnreachable, err.message);
    throw err;
  }
  if (res.status >= 500 || res.status === 429) {
    return unreachableResult(onUnreachable, `HTTP ${res.status} ${errorCode(res.body)}`);
  }
  if (res.status !== 200) {
    const code = errorCode(res.body);
    // Signatures carry this machine's time; the bridge accepts ±300 s.
    const hint =
      code === 'stale_timestamp' ? `; this machine's clock is off from the bridge's (check NTP)` : '';
    return blocked(`the bridge refused the request (HTTP ${res.status} ${code})${hint}`);
  }
  const decision = readDecision(res.body);
  if (!decision) return blocked('the bridge answered without a permission decision');
  return decisionResult(decision.decision, decision.reason);
}

/**
 * For Write/Edit/MultiEdit, reports the file as it now is on disk (or its
 * deletion). The tool has already run, so failures are reported (exit 1, a
 * non-blocking error in Claude Code), never blocked.
 */
export async function postToolUse(
  stdin: string,
  post: Post,
  projectRoot: string | undefined,
): Promise<HookResult> {
  let input;
  try {
    input = parseHookInput(stdin, 'PostToolUse');
  } catch (err) {
    if (err instanceof HookInputError)
      return { exitCode: 1, stdout: '', stderr: `lighthouse: ${err.message}\n` };
    throw err;
  }
  const root = projectRoot || input.cwd || process.cwd();
  const file = changedFile(input, root);
  if (!file) return { exitCode: 0, stdout: '', stderr: '' };
  let change: Record<string, unknown>;
  try {
    // Not imported at the top: node:fs/promises loads readline, which pre-tool-use never needs.
    const fs = process.getBuiltinModule('node:fs/promises');
    // Through a symlink the file may lie outside the project (say ~/.bashrc): never report that.
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(path.join(root, file))]);
    const inside = path.relative(realRoot, real);
    if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside))
      return { exitCode: 0, stdout: '', stderr: '' };
    change = { path: file, contentBase64: (await fs.readFile(real)).toString('base64') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A directory, a symlink loop, no permission: nothing to report, and no stack trace.
    if (code !== 'ENOENT')
      return { exitCode: 1, stdout: '', stderr: `lighthouse: cannot read ${file}: ${code ?? String(err)}\n` };
    change = { path: file, deleted: true };
  }
  if (typeof input.session_id === 'string') change.sessionId = input.session_id;
  let problem: string | undefined;
  try {
    const r = await post('/v1/files', change);
    // A file made and removed between two reports (or never reported): no deletion to record.
    const neverKnown = change.deleted === true && r.status === 404;
    if (r.status !== 201 && !neverKnown)
      problem = `file report for ${file}: HTTP ${r.status} ${errorCode(r.body)}`;
  } catch (err) {
    if (!(err instanceof UnreachableError)) throw err;
    problem = `file report for ${file}: bridge unreachable (${err.message})`;
  }
  return problem
    ? { exitCode: 1, stdout: '', stderr: `lighthouse: ${problem}\n` }
    : { exitCode: 0, stdout: '', stderr: '' };
}
