// Decision-cache keys. Two calls share a key only when the policy and the risk score
// cannot tell them apart and nothing an expert might weigh differs: the Bash command as
// a digest of its syntax tree (layout, whitespace and comments do not count; an
// unparseable one by its raw text), a file tool's path in canonical form (plus whether
// it used `..`), every other input field verbatim (a Write's content, an MCP tool's
// arguments) in canonical JSON, and the cwd, because relative paths depend on it.
// Only Bash's `description`, free text for people, is left out.
import { createHash } from 'node:crypto';
import { canonicalPath } from './paths.js';
import { analyseShell } from './shell.js';
import { fileTarget, SHELL_TOOL } from './subject.js';
import type { ToolCall } from './types.js';

export function cacheKey(call: ToolCall): string {
  const cwd = call.cwd === undefined ? null : canonicalPath(call.cwd);
  const rest: Record<string, unknown> = { ...call.input };
  let script: string | null = null;
  const command = call.input['command'];
  if (call.tool === SHELL_TOOL && typeof command === 'string') {
    script = analyseShell(command, call.cwd).canonical;
    delete rest['command'];
    delete rest['description'];
  }
  const file = fileTarget(call);
  if (file !== undefined) delete rest[file.field];
  const path = file === undefined ? null : [file.canonical, file.raw.split('/').includes('..')];
  const others = Object.keys(rest).length === 0 ? null : digest(canonicalJson(rest));
  return JSON.stringify([call.tool, cwd, script, path, others]);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
