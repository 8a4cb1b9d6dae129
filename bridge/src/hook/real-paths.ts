// The symlink-free forms of a tool call's path arguments, resolved here, where the
// files are: the bridge judges paths lexically and cannot see that a project's
// `link` points at /etc. Sent as `resolvedPaths` with POST /v1/validate; the bridge
// keeps the stricter of the decisions for the given and the real path.
import path from 'node:path';
import type { HookInput } from './protocol.js';

/** Input fields the policy reads as paths (PATH_FIELDS of bridge/src/policy/subject.ts, kept equal by a test). */
export const PATH_FIELDS = ['file_path', 'notebook_path', 'path'];

/** The validate body's bound on each path (OpenAPI ValidateRequest.resolvedPaths); longer ones stay lexical. */
const MAX_PATH_LENGTH = 4096;

/** Links followed per path, as Linux's ELOOP limit: past it the kernel refuses the path anyway. */
const MAX_LINKS = 40;

// Claude Code starts the hook per tool call: node:fs from getBuiltinModule, not an ESM import.
const { lstatSync, readlinkSync } = process.getBuiltinModule('node:fs');

/** `{ resolvedPaths }` for the validate body, or `{}` when no path argument goes through a symlink. */
export function resolvedPathsField(
  input: Pick<HookInput, 'tool_input' | 'cwd'>,
  home = process.env.HOME,
): { resolvedPaths?: Record<string, string> } {
  const cwd = typeof input.cwd === 'string' ? input.cwd : process.cwd();
  const entries: [string, string][] = [];
  for (const field of PATH_FIELDS) {
    const raw = input.tool_input[field];
    if (typeof raw !== 'string' || raw === '' || raw.length > MAX_PATH_LENGTH) continue;
    const absolute = absoluteOf(raw, cwd, home);
    if (absolute === undefined) continue;
    const real = realPath(absolute);
    if (real !== path.posix.resolve(absolute) && real.length <= MAX_PATH_LENGTH) entries.push([raw, real]);
  }
  // fromEntries: a path named `__proto__` stays an ordinary key.
  return entries.length === 0 ? {} : { resolvedPaths: Object.fromEntries(entries) };
}

/** `raw` against cwd and home, unnormalised: a `..` after a symlink climbs from its target. */
function absoluteOf(raw: string, cwd: string, home: string | undefined): string | undefined {
  if (raw === '~' || raw.startsWith('~/')) return home?.startsWith('/') ? home + raw.slice(1) : undefined;
  if (raw.startsWith('~')) return undefined; // ~user: another account's home, left to the lexical check
  if (raw.startsWith('/')) return raw;
  return cwd.startsWith('/') ? `${cwd}/${raw}` : undefined;
}

/**
 * The path the kernel would reach, segment by segment: symlinks followed (also dangling
 * ones, which a write would create the target of), `..` taken from where the walk is.
 * Segments that do not exist (yet) are kept as written, as `mkdir -p` would create them.
 */
export function realPath(absolute: string): string {
  const pending = absolute.split('/').reverse();
  let current = '';
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.pop() as string;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      current = current.slice(0, current.lastIndexOf('/'));
      continue;
    }
    const next = `${current}/${segment}`;
    const target = links < MAX_LINKS ? linkTarget(next) : undefined;
    if (target === undefined) {
      current = next;
      continue;
    }
    links++;
    if (target.startsWith('/')) current = '';
    pending.push(...target.split('/').reverse());
  }
  return current === '' ? '/' : current;
}

function linkTarget(file: string): string | undefined {
  try {
    return lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(file) : undefined;
  } catch {
    return undefined; // unreadable (EACCES, ENOTDIR): judged as written
  }
}
