// Rule evaluation: rules in priority order, each either matching (with evidence for the
// audit log) or not; only enforce-mode hits decide, warn/dryrun hits are observed.
import { matchesAnyName, nameGlob } from './names.js';
import { argumentTargets, canonicalPath, globVictims, matchesAnyPath } from './paths.js';
import { SHELLS, STDIN_SCRIPTS, type ShellAnalysis, type ShellCommand } from './shell.js';
import { subjectOf, type CallSubject, type FileTarget } from './subject.js';
import type {
  CommandMatch,
  Decision,
  Policy,
  PolicyResult,
  Rule,
  RuleHit,
  ShellProperty,
  ToolCall,
} from './types.js';

const SEVERITY: Record<Decision, number> = { block: 2, escalate: 1, allow: 0 };

/** Highest priority first; on equal priority the stricter action first, then document order. */
export function orderRules(rules: readonly Rule[]): Rule[] {
  return rules
    .map((rule, index) => ({ rule, index }))
    .sort(
      (a, b) =>
        b.rule.priority - a.rule.priority ||
        SEVERITY[b.rule.action] - SEVERITY[a.rule.action] ||
        a.index - b.index,
    )
    .map(({ rule }) => rule);
}

const ordered = new WeakMap<Policy, Rule[]>();

function rulesOf(policy: Policy): Rule[] {
  let rules = ordered.get(policy);
  if (rules === undefined) {
    rules = orderRules(policy.rules);
    ordered.set(policy, rules);
  }
  return rules;
}

/**
 * Scripts the engine cannot see through are never allowed, whatever the policy says:
 * when no enforce rule blocks or escalates them, this built-in hit escalates.
 */
const GUARDED: ShellProperty[] = ['unparseable_command', 'dynamic_program'];

/** Symlink-free forms of a call's path arguments, resolved where the files are: given text → real path. */
export type ResolvedPaths = Readonly<Record<string, string>>;

/** A call with what the client's filesystem says about its paths (`lighthouse hook` sends them). */
export interface ResolvedToolCall extends ToolCall {
  resolvedPaths?: ResolvedPaths;
}

/**
 * A file tool's path is judged both as given and, when the client resolved it, as its
 * real path; the stricter outcome stands, so a wrong resolution can only tighten it.
 */
export function evaluatePolicy(policy: Policy, call: ResolvedToolCall): PolicyResult {
  const subject = subjectOf(call);
  const given = evaluateSubject(policy, subject);
  const file = subject.file;
  const real = file && realCanonical(file, call);
  if (file === undefined || real === undefined) return given;
  const judged = evaluateSubject(policy, { ...subject, file: { ...file, canonical: real } });
  return stricter(given, judged, `real path of ${file.raw}`);
}

/** The canonical real path the client sent for this file, when it differs from the given one. */
function realCanonical(file: FileTarget, call: ResolvedToolCall): string | undefined {
  const resolved = call.resolvedPaths;
  if (resolved === undefined || !Object.hasOwn(resolved, file.raw)) return undefined;
  const real = resolved[file.raw];
  if (typeof real !== 'string' || real === '') return undefined;
  const canonical = canonicalPath(real, call.cwd);
  return canonical === file.canonical ? undefined : canonical;
}

/** No deciding rule leaves the call to the risk score, which may still escalate or block: above allow, below escalate. */
const strictness = (hit: RuleHit | null): number => (hit === null ? 0.5 : SEVERITY[hit.action]);

function stricter(given: PolicyResult, real: PolicyResult, note: string): PolicyResult {
  const annotate = (hit: RuleHit): RuleHit => ({ ...hit, reason: `${hit.reason} (${note})` });
  const decisive =
    strictness(real.decisive) > strictness(given.decisive)
      ? real.decisive && annotate(real.decisive)
      : given.decisive;
  const seen = new Set(given.observed.map((h) => h.ruleId));
  const observed = [...given.observed, ...real.observed.filter((h) => !seen.has(h.ruleId)).map(annotate)];
  return { decisive, observed };
}

export function evaluateSubject(policy: Policy, subject: CallSubject): PolicyResult {
  let decisive: RuleHit | null = null;
  const observed: RuleHit[] = [];
  for (const rule of rulesOf(policy)) {
    if (rule.enforcement === 'enforce' && decisive !== null) continue;
    const evidence = matchRule(rule, subject);
    if (evidence === null) continue;
    const hit: RuleHit = {
      ruleId: rule.id,
      action: rule.action,
      enforcement: rule.enforcement,
      category: rule.category,
      reason: `${rule.description}: ${evidence}`,
    };
    if (rule.enforcement === 'enforce') decisive = hit;
    else observed.push(hit);
  }
  const guard = GUARDED.find((p) => subject.shell?.properties.has(p));
  if (guard !== undefined && (decisive === null || decisive.action === 'allow')) {
    decisive = {
      ruleId: guard.replace('_', '-'),
      action: 'escalate',
      enforcement: 'enforce',
      category: 'shell',
      reason: subject.shell?.details.find((d) => d.startsWith(guard)) ?? guard,
    };
  }
  return { decisive, observed };
}

/** Evidence (what matched, for the reason) or null. All conditions of a rule must hold. */
function matchRule(rule: Rule, subject: CallSubject): string | null {
  const m = rule.match;
  const evidence: string[] = [];
  if (m.tool !== undefined) {
    if (!nameGlob(m.tool).test(subject.call.tool)) return null;
  }
  const shell = subject.shell;
  if (
    m.command !== undefined ||
    m.pipeline !== undefined ||
    m.redirect !== undefined ||
    m.shell !== undefined
  ) {
    if (shell === undefined) return null;
  }
  if (shell !== undefined) {
    if (m.shell !== undefined) {
      const detail = shell.details.find((d) => m.shell?.some((p) => d.startsWith(`${p}:`)));
      if (detail === undefined) return null;
      evidence.push(detail);
    }
    if (m.command !== undefined) {
      const found = matchCommands(m.command, shell, rule.action !== 'allow');
      if (found === null) return null;
      evidence.push(found);
    }
    if (m.pipeline !== undefined) {
      const { from, to } = m.pipeline;
      const found = shell.pipelines.find((stages) =>
        stages.some(
          (stage, i) =>
            stage.some((c) => matchCommand(from, c)) &&
            stages.slice(i + 1).some((later) => later.some((c) => matchCommand(to, c))),
        ),
      );
      if (found === undefined) return null;
      evidence.push(found.map((stage) => stage.map(render).join(' ')).join(' | '));
    }
    if (m.redirect !== undefined) {
      const patterns = m.redirect;
      const found = shell.redirects.find(
        (r) =>
          r.target !== null && [r.target, ...globVictims(r.target)].some((t) => matchesAnyPath(t, patterns)),
      );
      if (found === undefined) return null;
      evidence.push(`> ${found.target}`);
    }
  }
  if (m.path !== undefined) {
    const file = subject.file;
    if (file === undefined) return null;
    if (m.path.patterns !== undefined && !matchesAnyPath(file.canonical, m.path.patterns)) return null;
    if (m.path.escapesCwd === true && !file.escapesCwd) return null;
    evidence.push(file.canonical);
  }
  if (evidence.length === 0) evidence.push(subject.call.tool);
  return evidence.join('; ');
}

const HARMLESS_SINKS = ['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty', '/dev/fd/*'];

/**
 * Evidence that some command (`scope: all`: every command) matches. Commands read through
 * script variables count only for `resolved` (not for allow rules): they may only tighten.
 */
function matchCommands(match: CommandMatch, shell: ShellAnalysis, resolved: boolean): string | null {
  if (match.scope === 'all') {
    if (shell.commands.length === 0 || shell.properties.size > 0) return null;
    if (!shell.commands.every((c) => matchCommand(match, c))) return null;
    if (shell.redirects.some((r) => r.target === null || !matchesAnyPath(r.target, HARMLESS_SINKS)))
      return null;
    return shell.commands.map(render).join('; ');
  }
  const found =
    shell.commands.find((c) => matchCommand(match, c)) ??
    (resolved ? shell.resolved.find((c) => matchCommand(match, c)) : undefined);
  return found === undefined ? null : render(found);
}

export function matchCommand(match: CommandMatch, c: ShellCommand): boolean {
  if (c.program === null || !matchesAnyName(c.program, match.program)) return false;
  if (match.subcommand !== undefined) {
    const subcommands = match.subcommand;
    if (!c.leading.some((p) => matchesAnyName(p, subcommands))) return false;
  }
  const flags = match.flags;
  if (flags !== undefined) {
    if (flags.all !== undefined && !flags.all.every((entry) => hasFlag(c, entry))) return false;
    if (flags.any !== undefined && !flags.any.some((entry) => hasFlag(c, entry))) return false;
    if (flags.none !== undefined && flags.none.some((entry) => hasFlag(c, entry))) return false;
  }
  if (match.args !== undefined) {
    const { paths, position = 'any', stdin = false } = match.args;
    const all = targetsOf(c);
    const chosen = position === 'first' ? startingPoints(c) : position === 'last' ? all.slice(-1) : all;
    const read = stdin && c.stdin !== undefined ? [c.stdin, ...globVictims(c.stdin)] : [];
    if (![...chosen, ...read].some((target) => matchesAnyPath(target, paths))) return false;
  }
  if (match.inputs !== undefined) {
    const inputs = match.inputs;
    if (!c.inputs.some((f) => [f, ...globVictims(f)].some((t) => matchesAnyPath(t, inputs)))) return false;
  }
  if (match.operands !== undefined) {
    for (const [name, patterns] of Object.entries(match.operands)) {
      const value = c.operands.get(name);
      if (value === undefined) return false;
      if (!argumentTargets(value, c.cwd).some((t) => matchesAnyPath(t, patterns))) return false;
    }
  }
  if (match.options !== undefined) {
    for (const [names, patterns] of Object.entries(match.options)) {
      const values = optionValues(c, names.split('|'));
      if (!values.some((v) => argumentTargets(v, c.cwd).some((t) => matchesAnyPath(t, patterns))))
        return false;
    }
  }
  if (match.readsStdin === true && !readsStdin(c)) return false;
  return true;
}

/**
 * The values given to any of `names` (short `C`, long `directory`): `--directory=v`,
 * `--directory v`, `-C v`, `-Cv`; in a bundle (`-xzC v`) the first named letter takes
 * the rest of the word, or the next word, as getopt does. Which other letters take a
 * value is not known, so this may see one where there is none: never one less.
 */
function optionValues(c: ShellCommand, names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < c.args.length; i++) {
    const word = c.args[i];
    if (word === null || word === undefined || !word.startsWith('-') || word === '-') continue;
    if (word === '--') break;
    const next = c.args[i + 1];
    if (word.startsWith('--')) {
      const [name, value] = word.slice(2).split(/=(.*)/s) as [string, string | undefined];
      if (!names.includes(name)) continue;
      if (value !== undefined) out.push(value);
      else if (typeof next === 'string') out.push(next);
      continue;
    }
    const at = [...word.slice(1)].findIndex((letter) => names.includes(letter));
    if (at === -1) continue;
    const rest = word.slice(2 + at);
    if (rest !== '') out.push(rest);
    else if (typeof next === 'string') out.push(next);
  }
  return out;
}

/**
 * Whether an interpreter reads its program from stdin. For shells `-s` reads stdin whatever
 * follows (`bash -s -- arg`) and `-e` is errexit, not code; for others (`perl -e`, `node -e`,
 * `python -c`/`-m`) those options give the program.
 */
function readsStdin(c: ShellCommand): boolean {
  const shell = c.program !== null && SHELLS.has(c.program);
  if (c.flags.has('c')) return false;
  if (shell && c.flags.has('s')) return true;
  if (!shell && (c.flags.has('e') || c.flags.has('E') || c.flags.has('m'))) return false;
  const script = c.positional[0];
  return script === undefined || (script !== null && STDIN_SCRIPTS.has(script));
}

/**
 * `position: first` means find's starting points: every operand before the expression
 * (`find . / -delete` searches `/` too), after find's own leading options (-H, -L, -P).
 */
function startingPoints(c: ShellCommand): string[] {
  let i = 0;
  while (i < c.args.length && /^-[HLP]$|^-[DO]/.test(c.args[i] ?? '')) i++;
  const out: string[] = [];
  for (; i < c.args.length; i++) {
    const word = c.args[i];
    if (word === null || word === undefined || /^[-(!),]/.test(word)) break;
    out.push(...argumentTargets(word, c.cwd));
  }
  return out.length > 0 ? out : targetsOf(c).slice(0, 1);
}

const targets = new WeakMap<ShellCommand, string[]>();

/** The paths a command's positional arguments act on (operands like `of=x` excluded), computed once. */
function targetsOf(c: ShellCommand): string[] {
  let list = targets.get(c);
  if (list === undefined) {
    list = c.positional
      .filter((p): p is string => p !== null && !/^[a-z]+=/.test(p))
      .flatMap((p) => argumentTargets(p, c.cwd));
    targets.set(c, list);
  }
  return list;
}

function hasFlag(c: ShellCommand, entry: string): boolean {
  return entry.split('|').some((alt) => (alt.startsWith('-') ? c.args.includes(alt) : c.flags.has(alt)));
}

export function render(c: ShellCommand): string {
  const words = [c.program ?? '$(…)', ...c.args.map((a) => a ?? '$(…)')];
  return [...c.wrappers, ...words].join(' ').slice(0, 200);
}
