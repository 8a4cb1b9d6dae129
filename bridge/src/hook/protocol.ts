// Claude Code's command-hook protocol: the JSON it writes on stdin, the JSON
// and exit codes it understands back. Exit 0 + JSON = a decision; exit 2 =
// block with stderr as the reason; anything else = a non-blocking error.
import path from 'node:path';
import { warningNote } from '../validation/warnings.js';

export type HookEvent = 'PreToolUse' | 'PostToolUse';
export type PermissionDecision = 'allow' | 'deny' | 'ask';
export type UnreachableMode = 'deny' | 'ask' | 'allow';

export interface HookInput {
  session_id?: string;
  cwd?: string;
  hook_event_name: HookEvent;
  tool_name: string;
  tool_input: Record<string, unknown>;
  tool_response?: unknown;
  [key: string]: unknown;
}

export class HookInputError extends Error {
  override name = 'HookInputError';
}

export function parseHookInput(text: string, expected: HookEvent): HookInput {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HookInputError('hook input on stdin is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new HookInputError('hook input must be a JSON object');
  }
  const input = doc as Record<string, unknown>;
  if (typeof input.tool_name !== 'string' || input.tool_name === '') {
    throw new HookInputError('hook input has no tool_name');
  }
  if (typeof input.tool_input !== 'object' || input.tool_input === null) {
    throw new HookInputError('hook input has no tool_input object');
  }
  const event = input.hook_event_name ?? expected;
  if (event !== expected) {
    throw new HookInputError(`this command handles ${expected}, got ${String(event)}`);
  }
  return { ...input, hook_event_name: expected } as HookInput;
}

/** What the process does: stdout, stderr and exit code. */
export interface HookResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function decisionResult(decision: PermissionDecision, reason: string): HookResult {
  const output = {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: decision,
      permissionDecisionReason: reason,
    },
  };
  return { exitCode: 0, stdout: JSON.stringify(output) + '\n', stderr: '' };
}

/** The bridge could not decide: fail closed by default (exit 2 blocks the tool in Claude Code). */
export function unreachableResult(mode: UnreachableMode, reason: string): HookResult {
  const text = `lighthouse: bridge unreachable (${reason})`;
  if (mode === 'deny') return { exitCode: 2, stdout: '', stderr: `${text}; tool call blocked\n` };
  const result = decisionResult(mode, text);
  return { ...result, stderr: `${text}\n` };
}

interface ValidationAnswer {
  decision?: unknown;
  reason?: unknown;
  ruleId?: unknown;
  tier?: unknown;
  decisionId?: unknown;
  warnings?: unknown;
}

/**
 * The permission decision for the bridge's answer to POST /v1/validate, the
 * same mapping as the bridge's own HTTP hook endpoint: an escalation nobody
 * answered in time becomes `ask`, handing the call to the person at the
 * prompt. Undefined when the answer is not a validation result (fail closed).
 */
export function readDecision(body: unknown): { decision: PermissionDecision; reason: string } | undefined {
  const v = (body ?? {}) as ValidationAnswer;
  if (typeof v.reason !== 'string') return undefined;
  let decision: PermissionDecision;
  if (v.decision === 'allow') decision = 'allow';
  else if (v.decision === 'escalate') decision = 'ask';
  else if (v.decision === 'block') {
    decision = v.tier === 'escalation' && v.reason === 'escalation_timeout' ? 'ask' : 'deny';
  } else return undefined;
  const rule = typeof v.ruleId === 'string' ? ` (rule ${v.ruleId})` : '';
  const id = typeof v.decisionId === 'string' ? ` [decision ${v.decisionId}]` : '';
  return { decision, reason: `Lighthouse: ${v.reason}${rule}${warningNote(v.warnings)}${id}` };
}

/** The body of POST /v1/validate for a PreToolUse call. */
export function validationRequest(input: HookInput): Record<string, unknown> {
  return {
    tool: input.tool_name,
    input: input.tool_input,
    ...(typeof input.session_id === 'string' ? { sessionId: input.session_id } : {}),
    ...(typeof input.cwd === 'string' ? { cwd: input.cwd } : {}),
  };
}

export const FILE_TOOLS = ['Write', 'Edit', 'MultiEdit'];

/**
 * The project-relative path a Write/Edit/MultiEdit touched, or undefined when
 * the tool is not a file tool or the file lies outside the project root.
 */
export function changedFile(input: HookInput, projectRoot: string): string | undefined {
  if (!FILE_TOOLS.includes(input.tool_name)) return undefined;
  const filePath = input.tool_input.file_path;
  if (typeof filePath !== 'string' || filePath === '') return undefined;
  const absolute = path.resolve(projectRoot, filePath);
  const relative = path.relative(projectRoot, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}
