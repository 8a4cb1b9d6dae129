// Turns a Bash command string into what the policy matches on: every simple command
// that would run (inside lists, pipelines, substitutions, `bash -c` strings, `eval` and
// wrappers such as sudo), each with its program basename, flags and positional words;
// pipelines; writing redirections; and script-level findings (unparseable, computed
// program names, fork bombs). Commands using variables the script set to literals are
// also given resolved (`X=/; rm -rf $X` → `rm -rf /`).
import { createHash } from 'node:crypto';
import { parseBash, ShellSyntaxError, walk, type ShNode } from './ast.js';
import { canonicalPath } from './paths.js';
import type { ShellProperty } from './types.js';
import { knownVariables } from './variables.js';
import { wordValue, type Variables } from './words.js';

/** Longer scripts are not parsed (the parser is linear but slow on huge inputs): unparseable. */
export const MAX_COMMAND_LENGTH = 16 * 1024;
/** Nested `bash -c` / `eval` levels that are parsed; deeper nesting is unparseable. */
export const MAX_NESTING = 4;

export interface ShellCommand {
  /** Basename of the program; null when computed at run time. */
  program: string | null;
  /** Argument words after the program; null where a word is computed at run time. */
  args: (string | null)[];
  /** Canonical flags: `-rf` → r, f; `--force` → force; `--color=auto` → color. */
  flags: Set<string>;
  /** Arguments that are not flags, in order (after `--` everything is positional). */
  positional: (string | null)[];
  /**
   * Candidates for the subcommand: the first positional argument, plus any earlier ones
   * that directly follow an option and may be its value (`kubectl -n prod delete` → prod, delete).
   */
  leading: string[];
  /** `name=value` positional arguments (dd's `of=/dev/sda`). */
  operands: Map<string, string>;
  /** Effective working directory when the command runs, if known. */
  cwd: string | undefined;
  /** Wrappers this command runs under, outermost first (`sudo`, `env`, `xargs` …). */
  wrappers: string[];
  /** Canonical file redirected to its stdin (`cat < f`, `<> f`), if known. */
  stdin: string | undefined;
  /** Canonical files its statement opens for reading on any descriptor (`< f`, `3< f`, `<> f`). */
  inputs: string[];
}

export interface Redirection {
  /** Canonical target path; null when computed at run time. */
  target: string | null;
}

export interface ShellAnalysis {
  commands: ShellCommand[];
  /**
   * Commands of `commands` that use variables the script certainly set to literals, with
   * those values in (`X=/; rm -rf $X` → `rm -rf /`). Block and escalate rules match them
   * too; allow rules and the risk score judge the commands as written.
   */
  resolved: ShellCommand[];
  /** Each pipeline as its stages, each stage as the commands it runs. */
  pipelines: ShellCommand[][][];
  /** Writing redirections (`>`, `>>`, `&>`, `&>>`, `>|`, `<>`, `>&file`). */
  redirects: Redirection[];
  properties: Set<ShellProperty>;
  /** Human-readable detail for each property found. */
  details: string[];
  /** Digest of the syntax tree: equal for scripts that differ only in layout, whitespace or comments. */
  canonical: string;
  /** Character escapes (`\x72`, `\162`, `\u0072`) in literal words: a sign of obfuscation. */
  escapes: number;
}

// Token values of mvdan.cc/sh/v3/syntax (BinCmdOperator, RedirOperator).
const OP_PIPE = 12;
const OP_PIPE_ALL = 13;
const WRITE_REDIRECTS = new Set([
  54 /* > */, 55 /* >> */, 57 /* <> */, 60 /* >| */, 64 /* &> */, 65 /* &>> */,
]);
const OP_READ = 56; /* < */
const OP_READ_WRITE = 57; /* <> */
const OP_DUP_OUT = 59; /* >& */
const OP_HEREDOC = 61; /* << */
const OP_HEREDOC_DASH = 62; /* <<- */
const OP_HERESTRING = 63; /* <<< */
const ESCAPE = /\\(x[0-9a-fA-F]{1,2}|[0-7]{3}|u[0-9a-fA-F]{4})/g;

export const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'fish']);
/** Script names that are stdin itself: `curl … | sh /dev/stdin` runs the download too. */
export const STDIN_SCRIPTS = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/** Options of wrappers that take a separate value word (so the value is not the wrapped program). */
const WRAPPERS: Record<string, { valued: Set<string>; positionalBefore?: number; assignments?: boolean }> = {
  busybox: { valued: new Set() },
  sudo: {
    valued: new Set([
      'u',
      'g',
      'C',
      'D',
      'h',
      'p',
      'r',
      't',
      'U',
      'T',
      'user',
      'group',
      'chdir',
      'host',
      'prompt',
    ]),
  },
  doas: { valued: new Set(['u', 'C']) },
  env: { valued: new Set(['u', 'C', 'unset', 'chdir']), assignments: true },
  nice: { valued: new Set(['n', 'adjustment']) },
  ionice: { valued: new Set(['c', 'n', 'p', 'class', 'classdata']) },
  nohup: { valued: new Set() },
  time: { valued: new Set(['f', 'o', 'format', 'output']) },
  command: { valued: new Set() },
  builtin: { valued: new Set() },
  exec: { valued: new Set(['a']) },
  timeout: { valued: new Set(['s', 'k', 'signal', 'kill-after']), positionalBefore: 1 },
  stdbuf: { valued: new Set(['i', 'o', 'e', 'input', 'output', 'error']) },
  xargs: {
    valued: new Set([
      'I',
      'n',
      'P',
      'L',
      's',
      'd',
      'E',
      'a',
      'max-args',
      'max-procs',
      'delimiter',
      'arg-file',
      'replace',
    ]),
  },
  chrt: { valued: new Set(), positionalBefore: 1 },
  taskset: { valued: new Set(), positionalBefore: 1 },
  watch: { valued: new Set(['n', 'd', 'interval']) },
  flock: { valued: new Set(['w', 'E', 'timeout', 'conflict-exit-code']), positionalBefore: 1 },
  chroot: { valued: new Set(['userspec', 'groups']), positionalBefore: 1 },
  // Launchers that run their arguments as a command: left out, `setsid rm -rf /` was allowed.
  setsid: { valued: new Set() },
  unbuffer: { valued: new Set() },
  fakeroot: { valued: new Set(['l', 'i', 's', 'lib', 'faked']) },
  proxychains: { valued: new Set(['f']) },
  proxychains4: { valued: new Set(['f']) },
  torsocks: { valued: new Set(['u', 'p', 'a', 'P']) },
  strace: { valued: new Set(['e', 'o', 'p', 's', 'u', 'E', 'P', 'a', 'b', 'I', 'X', 'O', 'S']) },
  ltrace: { valued: new Set(['e', 'o', 'p', 's', 'u', 'n', 'a', 'l', 'x', 'w', 'A', 'D']) },
  nsenter: { valued: new Set(['t', 'S', 'G', 'target', 'setuid', 'setgid']) },
  unshare: { valued: new Set(['S', 'G', 'R', 'w', 'setuid', 'setgid', 'root', 'wd']) },
  'systemd-run': {
    valued: new Set(['p', 'u', 'E', 'M', 'H', 'property', 'unit', 'setenv', 'uid', 'gid', 'nice', 'slice']),
  },
  parallel: { valued: new Set(['j', 'a', 'd', 'E', 'I', 'S', 'n', 'N', 'L', 'P', 's', 'jobs', 'arg-file']) },
  sem: { valued: new Set(['j', 'jobs', 'id']) },
  gosu: { valued: new Set(), positionalBefore: 1 },
  'su-exec': { valued: new Set(), positionalBefore: 1 },
  runuser: { valued: new Set(['u', 'g', 'G', 'user', 'group', 'supp-group']) },
  pkexec: { valued: new Set(['user']) },
  cgexec: { valued: new Set(['g']) },
  'xvfb-run': { valued: new Set(['s', 'n', 'e', 'f', 'p', 'server-args', 'server-num']) },
  'dbus-run-session': { valued: new Set() },
  catchsegv: { valued: new Set() },
};

/** Programs whose `-c` (or `--command`) word is a shell script: `su -c`, `script -qc`, `runuser -c`, `sg grp -c`. */
const COMMAND_OPTION = new Set(['su', 'script', 'runuser', 'sg']);

/** Recent analyses: the bridge asks for a cache key, then the policy, then the risk score. */
const recent = new Map<string, ShellAnalysis>();
const RECENT_MAX = 256;

/** The analysis of `src` run in `cwd`. The result is shared: treat it as read-only. */
export function analyseShell(src: string, cwd?: string): ShellAnalysis {
  const key = `${cwd ?? ''}\0${src}`;
  let result = recent.get(key);
  if (result === undefined) {
    result = analyse(src, cwd);
    if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value as string);
    recent.set(key, result);
  }
  return result;
}

function analyse(src: string, cwd: string | undefined): ShellAnalysis {
  const result: ShellAnalysis = {
    commands: [],
    resolved: [],
    pipelines: [],
    redirects: [],
    properties: new Set(),
    details: [],
    canonical: `raw:${src}`,
    escapes: 0,
  };
  const root = parseScript(src, result);
  if (root !== null) {
    const trees = [root, ...posixReading(src, root)];
    result.canonical = createHash('sha256').update(JSON.stringify(trees)).digest('base64url');
    const start = cwd === undefined ? undefined : canonicalPath(cwd);
    for (const tree of trees)
      analyseTree(
        tree,
        { cwd: start, depth: 0, innerPipes: new WeakSet(), stdin: new WeakMap(), inputs: new WeakMap() },
        result,
      );
  }
  return result;
}

/**
 * Bash reads `((a b))` as arithmetic, POSIX shells (dash is `sh` on Debian) as two nested
 * subshells running `a b`. A script with an arithmetic command is analysed both ways.
 */
function posixReading(src: string, bashTree: ShNode): ShNode[] {
  let arithmetic = false;
  walk(bashTree, (n) => {
    if (n.type === 'ArithmCmd') arithmetic = true;
  });
  if (!arithmetic) return [];
  try {
    return [parseBash(src, 'posix')];
  } catch (error) {
    if (error instanceof ShellSyntaxError) return [];
    throw error;
  }
}

function flag(result: ShellAnalysis, property: ShellProperty, detail: string): void {
  result.properties.add(property);
  result.details.push(`${property}: ${detail}`);
}

function parseScript(src: string, result: ShellAnalysis): ShNode | null {
  if (src.length > MAX_COMMAND_LENGTH) {
    flag(result, 'unparseable_command', `longer than ${MAX_COMMAND_LENGTH} characters`);
    return null;
  }
  try {
    return parseBash(src);
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error;
    flag(result, 'unparseable_command', error.message);
    return null;
  }
}

interface Context {
  cwd: string | undefined;
  depth: number;
  /** Pipes inside a pipeline already recorded whole (`a | b | c` nests `a | b`). */
  innerPipes: WeakSet<ShNode>;
  /** CallExpr → the file its statement redirects to stdin. */
  stdin: WeakMap<ShNode, string>;
  /** CallExpr → the files its statement opens for reading. */
  inputs: WeakMap<ShNode, string[]>;
}

/** Walks one parsed script in source order; `cd` changes the cwd of later commands. */
function analyseTree(root: ShNode, ctx: Context, result: ShellAnalysis): void {
  const variables = knownVariables(root);
  walk(root, (node) => {
    switch (node.type) {
      case 'Stmt':
        scriptOnStdin(node, ctx, result);
        noteInputs(node, ctx);
        break;
      case 'CallExpr':
        recordCall(node, variables.get(node), ctx, result);
        break;
      case 'BinaryCmd': {
        const op = node['Op'] as number;
        if ((op === OP_PIPE || op === OP_PIPE_ALL) && !ctx.innerPipes.has(node)) {
          result.pipelines.push(pipelineStages(node, ctx));
        }
        break;
      }
      case 'Redirect':
        recordRedirect(node, ctx, result);
        break;
      case 'FuncDecl':
        if (isForkBomb(node))
          flag(result, 'fork_bomb', `function ${(node['Name'] as ShNode)['Value'] as string}`);
        break;
      case 'WhileClause':
      case 'ForClause':
        if (isEndless(node) && startsJobs(node['Do']))
          flag(result, 'fork_bomb', 'an endless loop starting background jobs');
        break;
      case 'Lit':
      case 'SglQuoted':
        result.escapes += ((node['Value'] as string).match(ESCAPE) ?? []).length;
        break;
    }
  });
}

function argValues(call: ShNode): (string | null)[] {
  return (call['Args'] as ShNode[]).map((word) => wordValue(word));
}

/**
 * The commands a call runs, in `commands`; where `vars` resolve some of its words, the
 * commands of the resolved words in `resolved` (matched only: never parsed as scripts).
 */
function recordCall(call: ShNode, vars: Variables | undefined, ctx: Context, result: ShellAnalysis): void {
  const { cwd } = ctx;
  const stdin = ctx.stdin.get(call);
  const inputs = ctx.inputs.get(call) ?? [];
  const written = argValues(call);
  for (const command of commandChain(written, result, ctx)) {
    command.cwd = ctx.cwd;
    command.stdin = stdin;
    command.inputs = inputs;
    result.commands.push(command);
    if (command.program === 'cd' || command.program === 'pushd') ctx.cwd = changeDirectory(command, ctx.cwd);
  }
  if (vars === undefined) return;
  const values = (call['Args'] as ShNode[]).map((word) => wordValue(word, vars));
  if (values.every((value, i) => value === written[i])) return;
  for (const command of commandChain(values, null, ctx))
    result.resolved.push({ ...command, cwd, stdin, inputs });
}

/**
 * `cat < f`, `{ a; b; } < f`: the commands of a statement read the file on stdin;
 * `exec 3< f`, `nc h 80 < f`: the files it opens for reading, on any descriptor.
 */
function noteInputs(stmt: ShNode, ctx: Context): void {
  const reads = readRedirects(stmt['Redirs'] as ShNode[], ctx.cwd);
  if (reads.length === 0) return;
  // The last `<` of stdin decides what it reads; one computed at run time is unknown.
  const file = reads.filter((r) => r.fd === '0').at(-1)?.file ?? undefined;
  const inputs = reads.map((r) => r.file).filter((f): f is string => f !== null);
  walk(stmt['Cmd'], (n) => {
    if (n.type !== 'CallExpr') return;
    if (file !== undefined) ctx.stdin.set(n, file);
    if (inputs.length > 0) ctx.inputs.set(n, [...(ctx.inputs.get(n) ?? []), ...inputs]);
  });
}

/** The `<` / `<>` redirects in order: the descriptor each opens, its canonical file (null when computed). */
function readRedirects(redirects: ShNode[], cwd: string | undefined): { fd: string; file: string | null }[] {
  return redirects
    .filter((r) => r['Op'] === OP_READ || r['Op'] === OP_READ_WRITE)
    .map((r) => {
      const value = wordValue(r['Word'] as ShNode);
      return {
        fd: ((r['N'] as ShNode | null)?.['Value'] as string | undefined) ?? '0',
        file: value === null ? null : canonicalPath(value, cwd),
      };
    });
}

/** `bash <<EOF … EOF` and `sh <<< "…"` run the here-document as a script. */
function scriptOnStdin(stmt: ShNode, ctx: Context, result: ShellAnalysis): void {
  const cmd = stmt['Cmd'] as ShNode | null;
  const redirects = stmt['Redirs'] as ShNode[];
  if (cmd === null || redirects.length === 0 || cmd.type !== 'CallExpr') return;
  const text = stdinText(redirects);
  if (text === undefined) return;
  const inner = commandChain(argValues(cmd), null, ctx).at(-1);
  if (inner !== undefined && readsScriptFromStdin(inner))
    nested(text, `${inner.program} on stdin`, result, ctx);
}

function changeDirectory(command: ShellCommand, cwd: string | undefined): string | undefined {
  const target = command.positional[0];
  if (target === undefined) return '~';
  if (target === null || target === '-') return undefined;
  return canonicalPath(target, cwd);
}

function recordRedirect(node: ShNode, ctx: Context, result: ShellAnalysis): void {
  const op = node['Op'] as number;
  const word = node['Word'] as ShNode | null;
  if (word === null) return;
  const value = wordValue(word);
  if (op === OP_DUP_OUT) {
    // `>&2` duplicates a descriptor; `>&file` writes a file.
    if (value === null || /^(\d+|-)$/.test(value)) return;
  } else if (op === OP_READ) {
    // Reading bash's /dev/tcp opens a connection (`bash < /dev/tcp/h/80` runs what it sends):
    // recorded like a write so the reverse-shell rules see it; other reads are not writes.
    if (value === null || !/^\/dev\/(tcp|udp)\//.test(canonicalPath(value, ctx.cwd))) return;
  } else if (!WRITE_REDIRECTS.has(op)) return;
  result.redirects.push({ target: value === null ? null : canonicalPath(value, ctx.cwd) });
}

function pipelineStages(node: ShNode, ctx: Context): ShellCommand[][] {
  const stages: ShellCommand[][] = [];
  const visit = (stmt: ShNode): void => {
    const cmd = stmt['Cmd'] as ShNode | null;
    if (cmd !== null && cmd.type === 'BinaryCmd') {
      const op = cmd['Op'] as number;
      if (op === OP_PIPE || op === OP_PIPE_ALL) {
        ctx.innerPipes.add(cmd);
        visit(cmd['X'] as ShNode);
        visit(cmd['Y'] as ShNode);
        return;
      }
    }
    const commands: ShellCommand[] = [];
    walk(stmt, (n) => {
      if (n.type === 'CallExpr') commands.push(...commandChain(argValues(n), null, ctx));
    });
    stages.push(commands);
  };
  visit(node['X'] as ShNode);
  visit(node['Y'] as ShNode);
  return stages;
}

/** The analysis of something that is not a script at all. */
export function unparseableShell(detail: string): ShellAnalysis {
  const result = emptyAnalysis();
  flag(result, 'unparseable_command', detail);
  return result;
}

function emptyAnalysis(): ShellAnalysis {
  return {
    commands: [],
    resolved: [],
    pipelines: [],
    redirects: [],
    properties: new Set(),
    details: [],
    canonical: '',
    escapes: 0,
  };
}

/** A function whose body runs the function itself in a pipeline or in the background. */
function isForkBomb(func: ShNode): boolean {
  const name = (func['Name'] as ShNode)['Value'] as string;
  let found = false;
  walk(func['Body'], (node) => {
    const spawns =
      (node.type === 'Stmt' && node['Background'] === true) ||
      (node.type === 'BinaryCmd' && (node['Op'] === OP_PIPE || node['Op'] === OP_PIPE_ALL));
    if (!found && spawns && callsFunction(node, name)) found = true;
  });
  return found;
}

/** A loop that never ends by itself: `while true`, `while :`, `until false`, `for ((;;))`. */
function isEndless(loop: ShNode): boolean {
  if (loop.type === 'ForClause') {
    const head = loop['Loop'] as ShNode;
    return head.type === 'CStyleLoop' && head['Cond'] === null;
  }
  const last = (loop['Cond'] as ShNode[]).at(-1); // the last condition command decides
  const cmd = last?.['Cmd'] as ShNode | null | undefined;
  if (!cmd || last?.['Negated'] === true) return false;
  const truth = constantTruth(cmd);
  return truth !== undefined && truth === (loop['Until'] !== true);
}

/**
 * What a condition always answers, when it is a constant: `true`, `:`, `false`,
 * `[ x ]` / `test x` / `[[ x ]]` of a non-empty literal (true), `((n))` of a number.
 */
function constantTruth(cmd: ShNode): boolean | undefined {
  if (cmd.type === 'ArithmCmd' || cmd.type === 'TestClause') {
    const x = cmd['X'] as ShNode;
    const value = x.type === 'Word' ? wordValue(x) : null;
    if (value === null) return undefined;
    if (cmd.type === 'TestClause') return value === '' ? false : !value.startsWith('-') || undefined;
    return /^\d+$/.test(value) ? Number(value) !== 0 : undefined;
  }
  if (cmd.type !== 'CallExpr') return undefined;
  const words = argValues(cmd);
  if (words.some((w) => w === null)) return undefined;
  const [first, ...rest] = words as string[];
  if (rest.length === 0 && (first === 'true' || first === ':')) return true;
  if (rest.length === 0 && first === 'false') return false;
  // One operand: true when it is not empty.
  const operand =
    first === '[' && rest.length === 2 && rest[1] === ']'
      ? rest[0]
      : first === 'test' && rest.length === 1
        ? rest[0]
        : undefined;
  return operand === undefined ? undefined : operand !== '';
}

/**
 * Whether some statement of `body` runs in the background (`cmd &`) and the body
 * never waits for its jobs: `while true; do ./server & wait; done` is a supervisor.
 */
function startsJobs(body: unknown): boolean {
  let background = false;
  let waits = false;
  walk(body, (n) => {
    if (n.type === 'Stmt' && n['Background'] === true) background = true;
    const first = n.type === 'CallExpr' ? (n['Args'] as ShNode[])[0] : undefined;
    if (first && wordValue(first) === 'wait') waits = true;
  });
  return background && !waits;
}

function callsFunction(node: ShNode, name: string): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.type === 'CallExpr') {
      const first = (n['Args'] as ShNode[])[0];
      if (first !== undefined && wordValue(first) === name) found = true;
    }
  });
  return found;
}

/**
 * The command a CallExpr runs, followed by the commands it wraps (`sudo rm -rf /` gives
 * `sudo …` then `rm -rf /`, find's `-exec` too). With a result to report into, the scripts
 * of `bash -c`, `su -c` and `eval` are parsed recursively and computed names are flagged.
 */
function commandChain(
  values: (string | null)[],
  result: ShellAnalysis | null,
  ctx: Context,
  outer: string[] = [],
): ShellCommand[] {
  const chain: ShellCommand[] = [];
  let rest = values;
  const wrappers = [...outer];
  while (rest.length > 0) {
    const command = describe(rest, wrappers);
    chain.push(command);
    const program = command.program;
    if (program === null) {
      if (result !== null) flag(result, 'dynamic_program', 'the command name is computed at run time');
      break;
    }
    if (program === 'eval') {
      if (result !== null)
        nested(command.args.some((a) => a === null) ? null : command.args.join(' '), program, result, ctx);
      break;
    }
    if (SHELLS.has(program) || program === 'source' || program === '.') {
      const script = SHELLS.has(program) ? shellScript(command) : undefined;
      if (result !== null && script !== undefined) nested(script, program, result, ctx);
      else if (result !== null && command.positional[0] === null) {
        flag(result, 'dynamic_program', `the script file given to ${program} is computed at run time`);
      }
      break;
    }
    if (COMMAND_OPTION.has(program)) {
      const at = rest.findIndex((w) => w === '--command' || (w !== null && /^-[A-Za-z]*c$/.test(w)));
      if (at !== -1) {
        if (result !== null) nested(rest[at + 1] ?? null, program, result, ctx);
        break;
      } // else `runuser -u root -- rm -rf /` wraps a command like sudo (below)
    }
    if (program === 'env') {
      // `env -S 'rm -rf /'` splits its string into the command's words: parsed as a script.
      const split = envSplitString(rest);
      if (split !== undefined) {
        if (result !== null) nested(split, program, result, ctx);
        break;
      }
    }
    if (program === 'find') {
      for (const exec of findExecs(command.args))
        chain.push(...commandChain(exec, result, ctx, [...wrappers, 'find']));
      break;
    }
    const wrapped = unwrap(program, rest.slice(1));
    if (wrapped === null) break;
    wrappers.push(program);
    rest = wrapped;
  }
  return chain;
}

/** The words `env -S` / `--split-string` run (string plus later words), null when computed; undefined without it. */
function envSplitString(words: (string | null)[]): string | null | undefined {
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === null || w === undefined) return undefined;
    let split: string | null | undefined;
    let next = i + 1;
    if (w.startsWith('--split-string=')) split = w.slice('--split-string='.length);
    else if (w === '--split-string' || /^-[iv0]*S$/.test(w)) [split, next] = [words[i + 1] ?? null, i + 2];
    else if (/^-[A-Za-z]*S./.test(w)) split = w.slice(w.indexOf('S') + 1);
    if (split !== undefined) {
      const after = words.slice(next);
      return split === null || after.includes(null) ? null : [split, ...after].join(' ');
    }
    if (w === '-u' || w === '-C' || w === '--unset' || w === '--chdir') i++;
    else if (!w.startsWith('-') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) return undefined;
  }
  return undefined;
}

/** A shell reading its script from stdin: no `-c` script and no script file. */
function readsScriptFromStdin(command: ShellCommand): boolean {
  return (
    command.program !== null &&
    SHELLS.has(command.program) &&
    shellScript(command) === undefined &&
    (command.positional.length === 0 ||
      command.flags.has('s') || // `bash -s arg <<EOF`
      STDIN_SCRIPTS.has(command.positional[0] ?? ''))
  );
}

/** The here-document or here-string a statement feeds to stdin; null when it has expansions. */
function stdinText(redirects: ShNode[]): string | null | undefined {
  for (const r of redirects) {
    const op = r['Op'] as number;
    if (op === OP_HEREDOC || op === OP_HEREDOC_DASH) {
      const parts = ((r['Hdoc'] as ShNode | null)?.['Parts'] as ShNode[] | undefined) ?? [];
      if (parts.some((p) => p.type !== 'Lit')) return null;
      return parts.map((p) => p['Value'] as string).join('');
    }
    if (op === OP_HERESTRING) return wordValue(r['Word'] as ShNode);
  }
  return undefined;
}

function findExecs(args: (string | null)[]): (string | null)[][] {
  const execs: (string | null)[][] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-exec' || args[i] === '-execdir' || args[i] === '-ok' || args[i] === '-okdir') {
      let j = i + 1;
      while (j < args.length && args[j] !== ';' && args[j] !== '+') j++;
      execs.push(args.slice(i + 1, j));
      i = j;
    }
  }
  return execs;
}

/** The script given to a shell with `-c` (clustered like `-lc` too); undefined without `-c`. */
function shellScript(command: ShellCommand): string | null | undefined {
  for (const [i, arg] of command.args.entries()) {
    if (arg === null || arg === '--') return undefined;
    if (!arg.startsWith('-') || arg.startsWith('--')) {
      if (arg.startsWith('--')) continue;
      return undefined;
    }
    if (arg.slice(1).includes('c')) return command.args[i + 1] ?? null;
  }
  return undefined;
}

function nested(script: string | null, via: string, result: ShellAnalysis, ctx: Context): void {
  if (script === null) {
    flag(result, 'dynamic_program', `the script given to ${via} is computed at run time`);
    return;
  }
  if (ctx.depth + 1 >= MAX_NESTING) {
    flag(result, 'unparseable_command', `more than ${MAX_NESTING} nested shells`);
    return;
  }
  const root = parseScript(script, result);
  if (root === null) return;
  for (const tree of [root, ...posixReading(script, root)])
    analyseTree(tree, { ...ctx, depth: ctx.depth + 1 }, result);
}

/** Arguments after a wrapper's own options: the wrapped command's words, or null if none. */
function unwrap(program: string, args: (string | null)[]): (string | null)[] | null {
  const spec = WRAPPERS[program];
  if (spec === undefined) return null;
  let i = 0;
  let positional = spec.positionalBefore ?? 0;
  while (i < args.length) {
    const arg = args[i] as string | null;
    if (arg === null) return args.slice(i);
    if (arg === '--') {
      i++;
      break;
    }
    if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const name = arg.startsWith('--') ? (arg.slice(2).split('=')[0] as string) : arg.slice(-1);
      const takesValue =
        spec.valued.has(name) && !arg.includes('=') && (arg.startsWith('--') || arg.length === 2);
      i += takesValue ? 2 : 1;
      continue;
    }
    if (positional > 0) {
      positional--;
      i++;
      continue;
    }
    break;
  }
  const rest = args.slice(i);
  return rest.length === 0 ? null : rest;
}

/**
 * Whether bash may expand a command name to something else: `*`, `?`, a bracket
 * expression or a brace list. A lone `[` is the test command, not a pattern.
 */
function isPattern(word: string): boolean {
  return /[*?]|\[.*\]|\{[^}]*(?:,|\.\.)[^}]*\}/.test(word);
}

/** Program, flags and positional arguments of one command's words. */
function describe(words: (string | null)[], wrappers: string[]): ShellCommand {
  const [first, ...args] = words;
  const program = first === null || first === undefined || isPattern(first) ? null : basename(first);
  const flags = new Set<string>();
  const positional: (string | null)[] = [];
  const operands = new Map<string, string>();
  const leading: string[] = [];
  let leadingDone = false;
  let afterOption = false;
  let endOfFlags = false;
  for (const arg of args) {
    const wasAfterOption = afterOption;
    afterOption = false;
    if (arg === null) {
      positional.push(null);
      leadingDone ||= !wasAfterOption;
      continue;
    }
    if (!endOfFlags && arg === '--') {
      endOfFlags = true;
      continue;
    }
    if (!endOfFlags && arg.startsWith('--') && arg.length > 2) {
      flags.add(arg.slice(2).split('=')[0] as string);
      afterOption = !arg.includes('=');
      continue;
    }
    if (!endOfFlags && arg.startsWith('-') && arg.length > 1 && !/^-\d+$/.test(arg)) {
      for (const c of arg.slice(1)) flags.add(c);
      afterOption = arg.length === 2;
      continue;
    }
    positional.push(arg);
    if (!leadingDone) leading.push(arg);
    leadingDone ||= !wasAfterOption;
    const operand = /^([a-z]+)=(.*)$/.exec(arg);
    if (operand) operands.set(operand[1] as string, operand[2] as string);
  }
  return {
    program,
    args,
    flags,
    positional,
    leading,
    operands,
    cwd: undefined,
    wrappers: [...wrappers],
    stdin: undefined,
    inputs: [],
  };
}

function basename(word: string): string {
  const trimmed = word.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || word;
}
