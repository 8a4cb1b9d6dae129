// Decision-cache keys: two calls share a key only when evaluatePolicy and riskScore
// cannot tell them apart. A Bash command is keyed by a digest of its syntax tree (layout,
// whitespace and comments do not count; an unparseable one by its raw text), a file tool by its canonical path, anything else by its
// input in canonical JSON; the cwd is part of every key because relative paths depend on it.
import { canonicalPath } from './paths.js';
import { analyseShell } from './shell.js';
import { PATH_FIELDS } from './subject.js';
import type { ToolCall } from './types.js';

export function cacheKey(call: ToolCall): string {
  const cwd = call.cwd === undefined ? null : canonicalPath(call.cwd);
  const command = call.input['command'];
  if (typeof command === 'string') {
    const shell = analyseShell(command, call.cwd);
    return JSON.stringify([call.tool, cwd, 'sh', shell.canonical]);
  }
  for (const field of PATH_FIELDS) {
    const raw = call.input[field];
    if (typeof raw === 'string' && raw !== '') {
      // The raw form matters only through `..` (escapesCwd); keep whether it had one.
      const traversal = raw.split('/').includes('..');
      return JSON.stringify([call.tool, cwd, 'path', canonicalPath(raw, call.cwd), traversal]);
    }
  }
  return JSON.stringify([call.tool, cwd, 'input', canonicalJson(call.input)]);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
