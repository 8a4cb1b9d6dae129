// mvdan-sh is Go compiled by GopherJS: its public node wrappers convert every field on each
// access, which makes a walk over a small script cost milliseconds. The parser's internal
// Go values are plain JS objects, so one pass converts them into the plain tree below
// (type name + fields, slices as arrays, nil as null, positions dropped), and the policy
// walks that. Go strings are UTF-8 byte strings internally; they are decoded here.
import sh from 'mvdan-sh';

export interface ShNode {
  /** Go type name without package: `CallExpr`, `Word`, `Lit` … */
  type: string;
  [field: string]: unknown;
}

interface GoValue {
  constructor?: { string?: string; nil?: unknown };
  $array?: unknown[];
  $offset?: number;
  $length?: number;
  [field: string]: unknown;
}

interface InternalParser {
  Parse(src: string, name: string): { __internal_object__: GoValue };
}

/** Bash (what the agent's shell tool runs) or POSIX sh (dash, where `((a))` is two subshells). */
export type Dialect = 'bash' | 'posix';

const parsers = new Map<Dialect, InternalParser>();

function parserFor(dialect: Dialect): InternalParser {
  let parser = parsers.get(dialect);
  if (parser === undefined) {
    const { syntax } = sh as unknown as {
      syntax: {
        NewParser(option?: unknown): InternalParser;
        Variant(lang: unknown): unknown;
        LangPOSIX: unknown;
      };
    };
    parser = dialect === 'posix' ? syntax.NewParser(syntax.Variant(syntax.LangPOSIX)) : syntax.NewParser();
    parsers.set(dialect, parser);
  }
  return parser;
}

export class ShellSyntaxError extends Error {}

/** Parses shell source into a plain tree; throws ShellSyntaxError with the parser's message. */
export function parseBash(src: string, dialect: Dialect = 'bash'): ShNode {
  let file: GoValue;
  try {
    file = parserFor(dialect).Parse(src, 'command').__internal_object__;
  } catch (error) {
    parsers.delete(dialect); // a GopherJS parser keeps state after a failure: start afresh
    const err = error as { Error?: () => string };
    throw new ShellSyntaxError(typeof err.Error === 'function' ? err.Error() : String(error));
  }
  return plain(file, 0) as ShNode;
}

const PREFIX = '*syntax.';
/**
 * Deepest tree converted (Go structs and slices). Real commands stay far below; deeper
 * input (thousands of nested parentheses or pipes) is refused rather than risking
 * the stack of every later walk.
 */
export const MAX_TREE_DEPTH = 600;

function plain(value: unknown, depth: number): unknown {
  if (typeof value === 'string')
    return /[\x80-\xff]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
  if (value === null || typeof value !== 'object') return value;
  const go = value as GoValue;
  if (go.$array !== undefined) {
    const start = go.$offset ?? 0;
    return go.$array.slice(start, start + (go.$length ?? 0)).map((item) => plain(item, depth + 1));
  }
  const type = go.constructor?.string;
  if (type === undefined || go === go.constructor?.nil) return null; // nil interface / nil pointer
  if (!type.startsWith(PREFIX) || type === '*syntax.Pos') return undefined;
  if (depth > MAX_TREE_DEPTH) throw new ShellSyntaxError(`nested more than ${MAX_TREE_DEPTH} levels deep`);
  const node: ShNode = { type: type.slice(PREFIX.length) };
  for (const key of Object.keys(go)) {
    if (key === '$val') continue;
    const field = plain(go[key], depth + 1);
    if (field !== undefined) node[key] = field;
  }
  return node;
}

/** Visits `node` and everything below it, depth-first in field (source) order. */
export function walk(node: unknown, visit: (node: ShNode) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const n = node as ShNode;
  visit(n);
  for (const key in n) {
    const field = n[key];
    if (field !== null && typeof field === 'object') walk(field, visit);
  }
}
