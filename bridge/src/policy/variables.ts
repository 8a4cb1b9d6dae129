// Variables a script sets to literals before using them (`X=/; rm -rf $X`), so the
// policy can read `$X` as `/`. Only bindings certain to hold when a command runs are
// kept: an assignment that may not run (`a || X=/`), runs in a subshell, a branch or a
// loop is unknown after it, and so is anything a command may have changed behind the
// parser's back (`read X`, `eval`, a function of the script, arithmetic).
import { walk, type ShNode } from './ast.js';
import { wordValue, type Variables } from './words.js';

// Token values of mvdan.cc/sh/v3/syntax (BinCmdOperator, BinTestOperator).
const OP_AND = 10;
const OP_OR = 11;
const ARITHMETIC_TESTS = new Set([116, 117, 118, 119, 120, 121]); /* -eq -ne -le -ge -lt -gt */

/** Builtins that may set any variable (`read X`, `printf -v X`, `eval`, `source`, traps). */
const SETS_VARIABLES = new Set([
  'read',
  'readarray',
  'mapfile',
  'unset',
  'printf',
  'getopts',
  'wait',
  'eval',
  'source',
  '.',
  'let',
  'trap',
  'enable',
]);
/** Declaration builtins; as plain words (`command declare -n R=X`) they may give attributes. */
const DECLARES = new Set(['declare', 'typeset', 'local', 'export', 'readonly']);
/** Variables bash maintains itself: a value assigned to them does not stay. */
const DYNAMIC =
  /^(RANDOM|SRANDOM|SECONDS|LINENO|EPOCHSECONDS|EPOCHREALTIME|BASHPID|PPID|UID|EUID|PWD|OLDPWD|DIRSTACK|BASH_\w+)$/;

/** The variables known where each CallExpr of `root` runs (only those where some are). */
export function knownVariables(root: ShNode): WeakMap<ShNode, Variables> {
  const scan: Scan = { known: new WeakMap(), functions: new Set() };
  let assigns = false;
  walk(root, (n) => {
    if (n.type === 'Assign') assigns = true;
    if (n.type === 'FuncDecl') scan.functions.add((n['Name'] as ShNode)['Value'] as string);
  });
  if (assigns && resolvable(root)) sequence(root['Stmts'] as ShNode[], new Map(), scan);
  return scan.known;
}

interface Scan {
  known: WeakMap<ShNode, Variables>;
  /** Functions the script defines: calling one may change any variable. */
  functions: Set<string>;
}

type Scope = Map<string, string>;

/**
 * Whether plain assignments and expansions mean what they say throughout: not when IFS
 * changes word splitting or attributes change later assignments (`declare -i`, `-n`, `-u`).
 */
function resolvable(root: ShNode): boolean {
  let ok = true;
  walk(root, (n) => {
    if (n.type === 'Lit' && /\bIFS\b/.test(n['Value'] as string)) ok = false;
    if (n.type === 'DeclClause' && (n['Args'] as ShNode[]).some((a) => a['Name'] === null)) ok = false;
    if (n.type === 'CallExpr' && (n['Args'] as ShNode[]).some((w) => DECLARES.has(wordValue(w) ?? '')))
      ok = false;
  });
  return ok;
}

/** Statements run in order: each sees what those before it certainly set. */
function sequence(stmts: ShNode[], vars: Scope, scan: Scan): void {
  for (const stmt of stmts) statement(stmt, vars, scan);
}

function statement(stmt: ShNode, vars: Scope, scan: Scan): void {
  for (const redirect of stmt['Redirs'] as ShNode[]) nested(redirect, vars, scan);
  const cmd = stmt['Cmd'] as ShNode | null;
  if (cmd === null) return;
  if (stmt['Background'] === true || stmt['Coprocess'] === true) {
    // Runs in a subshell of its own: sees the variables, sets none here.
    command(cmd, new Map(vars), scan);
    forget(vars, cmd, scan);
  } else command(cmd, vars, scan);
}

/** Updates `vars` to what holds after `cmd`. */
function command(cmd: ShNode, vars: Scope, scan: Scan): void {
  switch (cmd.type) {
    case 'CallExpr':
      if (vars.size > 0) scan.known.set(cmd, new Map(vars));
      nested(cmd, vars, scan);
      forget(vars, cmd, scan);
      // `X=/ cmd` sets X for cmd only; without a command it sets it for the script.
      if ((cmd['Args'] as ShNode[]).length === 0) for (const a of cmd['Assigns'] as ShNode[]) bind(a, vars);
      break;
    case 'DeclClause': // export X=/, readonly X=/ (options make the script unresolvable)
      nested(cmd, vars, scan);
      forget(vars, cmd, scan);
      for (const a of cmd['Args'] as ShNode[]) if (a['Naked'] !== true) bind(a, vars);
      break;
    case 'Block':
      sequence(cmd['Stmts'] as ShNode[], vars, scan);
      break;
    case 'BinaryCmd':
      binary(cmd, vars, scan);
      break;
    case 'FuncDecl': // its body runs when called, with whatever is set then
      statement(cmd['Body'] as ShNode, new Map(), scan);
      break;
    default: // subshells, branches, loops: what they assign is unknown inside and after them
      forget(vars, cmd, scan);
      nested(cmd, vars, scan);
  }
}

/** `a && b`, `a || b`: `a` always runs, `b` may not. Pipeline stages run in subshells. */
function binary(cmd: ShNode, vars: Scope, scan: Scan): void {
  const [x, y] = [cmd['X'] as ShNode, cmd['Y'] as ShNode];
  if (cmd['Op'] === OP_AND || cmd['Op'] === OP_OR) {
    statement(x, vars, scan);
    statement(y, new Map(vars), scan);
    forget(vars, y, scan);
    return;
  }
  statement(x, new Map(vars), scan);
  statement(y, new Map(vars), scan);
  forget(vars, cmd, scan);
}

/** A plain assignment of a literal binds; any other makes the name unknown. */
function bind(assign: ShNode, vars: Scope): void {
  const name = (assign['Name'] as ShNode)['Value'] as string;
  const plain = !assign['Append'] && assign['Index'] === null && assign['Array'] === null;
  const value = plain ? literal(assign['Value'] as ShNode | null) : null;
  if (value === null || DYNAMIC.test(name)) vars.delete(name);
  else vars.set(name, value);
}

/** A word without expansions (quotes are fine); `X=` is empty. */
function literal(word: ShNode | null): string | null {
  if (word === null) return '';
  const parts = word['Parts'] as ShNode[];
  const plain = (p: ShNode): boolean =>
    p.type === 'Lit' ||
    p.type === 'SglQuoted' ||
    (p.type === 'DblQuoted' && (p['Parts'] as ShNode[]).every((q) => q.type === 'Lit'));
  return parts.every(plain) ? wordValue(word) : null;
}

/** Statement lists inside `node` (bodies, branches, `$(…)`), each run from a copy of `vars`. */
function nested(node: ShNode, vars: Scope, scan: Scan): void {
  for (const list of statementLists(node)) sequence(list, new Map(vars), scan);
}

/** The outermost statement lists below `node`. */
function statementLists(node: unknown, out: ShNode[][] = []): ShNode[][] {
  if (Array.isArray(node)) {
    if ((node[0] as ShNode | undefined)?.type === 'Stmt') out.push(node as ShNode[]);
    else for (const item of node) statementLists(item, out);
  } else if (node !== null && typeof node === 'object') {
    const n = node as ShNode;
    // A single statement (`time cmd`, `coproc cmd`) is a list of one.
    if (n.type === 'Stmt') out.push([n]);
    else for (const key in n) statementLists(n[key], out);
  }
  return out;
}

/** Drops from `vars` every variable `node` may change; all of them when it cannot tell. */
function forget(vars: Scope, node: ShNode, scan: Scan): void {
  walk(node, (n) => {
    const changed = changes(n, scan);
    if (changed === true) vars.clear();
    else if (changed !== undefined) vars.delete(changed);
  });
}

/** The variable one node may change, true for any, undefined for none. */
function changes(n: ShNode, scan: Scan): string | true | undefined {
  const name = (field: string): string | undefined =>
    (n[field] as ShNode | null)?.['Value'] as string | undefined;
  switch (n.type) {
    case 'Assign':
      return n['Index'] !== null ? true : name('Name');
    case 'WordIter': // for X in …, select X in …
      return name('Name');
    case 'ParamExp': // indexes and slices are arithmetic; ${X:=v} assigns X
      if (n['Index'] !== null || n['Slice'] !== null) return true;
      return n['Exp'] !== null ? name('Param') : undefined;
    case 'Redirect': {
      const fd = /^\{(\w+)\}$/.exec(name('N') ?? ''); // exec {fd}< file
      return fd === null ? undefined : fd[1];
    }
    case 'BinaryTest': // [[ X=1 -eq 1 ]] evaluates both sides as arithmetic
      return ARITHMETIC_TESTS.has(n['Op'] as number) ? true : undefined;
    case 'ArithmExp':
    case 'ArithmCmd':
    case 'LetClause':
    case 'CStyleLoop':
    case 'CoprocClause':
      return true;
    case 'CallExpr': {
      const words = (n['Args'] as ShNode[]).map((w) => wordValue(w));
      if (words.length > 0 && words[0] === null) return true; // a computed command may be `read`
      return words.some((w) => w !== null && (SETS_VARIABLES.has(w) || scan.functions.has(w)))
        ? true
        : undefined;
    }
    default:
      return undefined;
  }
}
