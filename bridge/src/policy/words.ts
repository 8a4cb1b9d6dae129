// Static values of shell words: what the shell would pass as argv, when that is knowable
// without running anything. Quoting never hides a word (`r""m`, `'rm'`, `$'\x72m'` are `rm`).
import type { ShNode } from './ast.js';

/** Variable name → value, as a script certainly set it at some point (see variables.ts). */
export type Variables = ReadonlyMap<string, string>;

/**
 * The word's value, or null when it depends on run time (parameters, substitutions,
 * arithmetic). `vars` gives values for `$X` / `${X}`; without them only `$HOME` is known.
 */
export function wordValue(word: ShNode, vars?: Variables): string | null {
  const parts = word['Parts'] as ShNode[];
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as ShNode;
    const value = partValue(part, i === 0, vars);
    if (value === null) return null;
    out += value;
  }
  return out;
}

function partValue(part: ShNode, first: boolean, vars: Variables | undefined): string | null {
  switch (part.type) {
    case 'Lit':
      return unescapeBare(part['Value'] as string);
    case 'SglQuoted':
      return part['Dollar'] ? ansiC(part['Value'] as string) : (part['Value'] as string);
    case 'DblQuoted': {
      let out = '';
      const inner = part['Parts'] as ShNode[];
      for (let i = 0; i < inner.length; i++) {
        const p = inner[i] as ShNode;
        if (p.type === 'Lit') out += unescapeDouble(p['Value'] as string);
        else {
          const v = variable(p, vars) ?? (first && i === 0 ? homeParam(p) : null);
          if (v === null) return null;
          out += v;
        }
      }
      return out;
    }
    case 'ParamExp': {
      // Unquoted, an empty value vanishes and one with blanks splits into several words.
      const v = variable(part, vars);
      if (v !== undefined) return v === '' || /[ \t\n]/.test(v) ? null : v;
      return first ? homeParam(part) : null;
    }
    default:
      return null;
  }
}

/** The value `vars` gives a plain `$X` / `${X}`; undefined when none. */
function variable(node: ShNode, vars: Variables | undefined): string | undefined {
  if (vars === undefined || !isPlain(node)) return undefined;
  return vars.get((node['Param'] as ShNode)['Value'] as string);
}

/** `$HOME` / `${HOME}` at the start of a word is the home directory, written `~`. */
function homeParam(node: ShNode): string | null {
  return isPlain(node) && (node['Param'] as ShNode)['Value'] === 'HOME' ? '~' : null;
}

/** A parameter expansion without operators: `$X`, `${X}` (not `${#X}`, `${X:-y}`, `${X[0]}` …). */
function isPlain(node: ShNode): boolean {
  return (
    node.type === 'ParamExp' &&
    node['Param'] !== null &&
    !node['Excl'] &&
    !node['Names'] &&
    !node['Length'] &&
    !node['Width'] &&
    !node['Index'] &&
    !node['Slice'] &&
    !node['Repl'] &&
    !node['Exp']
  );
}

function unescapeBare(raw: string): string {
  return raw.replace(/\\\n/g, '').replace(/\\(.)/g, '$1');
}

function unescapeDouble(raw: string): string {
  return raw.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1');
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** Bash `$'…'` strings: obfuscation often spells commands as `$'\x72\x6d'`. */
function ansiC(raw: string): string {
  return raw.replace(
    /\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|.)/g,
    (_m, esc: string) => {
      const kind = esc[0] as string;
      if (kind === 'x' && esc.length > 1) return String.fromCharCode(parseInt(esc.slice(1), 16));
      if ((kind === 'u' || kind === 'U') && esc.length > 1)
        return String.fromCodePoint(parseInt(esc.slice(1), 16));
      if (/[0-7]/.test(kind)) return String.fromCharCode(parseInt(esc, 8));
      return SIMPLE_ESCAPES[esc] ?? `\\${esc}`;
    },
  );
}
