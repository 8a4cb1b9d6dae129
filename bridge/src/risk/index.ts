// Tier 3: a small, explainable risk score for calls no policy rule decided. Each signal
// has a weight in 0..1 and a reason code; signals combine as independent evidence
// (noisy-OR: 1 − Π(1 − w)), so one strong signal or several weak ones raise the score.
import { canonicalPath, globTarget, isWithin, matchesAnyPath } from '../policy/paths.js';
import type { ShellAnalysis, ShellCommand } from '../policy/shell.js';
import { subjectOf, type CallSubject } from '../policy/subject.js';
import type { Decision, ToolCall } from '../policy/types.js';

/** Score at or above which the caller blocks. */
export const RISK_BLOCK_THRESHOLD = 0.7;
/** Score at or above which the caller escalates to an expert (below: allow). */
export const RISK_ESCALATE_THRESHOLD = 0.4;

export interface RiskAssessment {
  /** 0 (harmless) … 1 (certainly dangerous). */
  score: number;
  /** Reason codes of the signals that fired, strongest first. */
  reasons: string[];
}

export function riskScore(call: ToolCall): RiskAssessment {
  return riskOfSubject(subjectOf(call));
}

export function riskDecision(score: number): Decision {
  if (score >= RISK_BLOCK_THRESHOLD) return 'block';
  if (score >= RISK_ESCALATE_THRESHOLD) return 'escalate';
  return 'allow';
}

type Signals = Map<string, number>;

export function riskOfSubject(subject: CallSubject): RiskAssessment {
  const signals: Signals = new Map();
  const { call } = subject;
  const cwd = call.cwd === undefined ? undefined : canonicalPath(call.cwd);
  if (subject.shell !== undefined) shellSignals(subject.shell, cwd, signals);
  else if (subject.file !== undefined && WRITE_TOOLS.has(call.tool)) {
    const path = subject.file.canonical;
    if (subject.file.escapesCwd) add(signals, 'traversal_outside_cwd', 0.5);
    else if (isOutside(path, cwd)) add(signals, 'write_outside_cwd', 0.45);
    if (/^~[^/]*\/\.[^/]+$/.test(path) || /^\/home\/[^/]+\/\.[^/]+$/.test(path))
      add(signals, 'home_dotfile_write', 0.3);
  } else if (WRITE_TOOLS.has(call.tool)) {
    add(signals, 'missing_path', 0.5); // a write whose target cannot be read is not judged harmless
  } else if (call.tool.startsWith('mcp__') || !KNOWN_TOOLS.has(call.tool)) {
    add(signals, 'unknown_tool', 0.15);
  } else if (call.tool === 'WebFetch') add(signals, 'network', 0.1);
  const reasons = [...signals.entries()].sort((a, b) => b[1] - a[1]);
  const score = 1 - reasons.reduce((keep, [, w]) => keep * (1 - w), 1);
  return { score: Math.round(score * 1000) / 1000, reasons: reasons.map(([reason]) => reason) };
}

const WRITE_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const KNOWN_TOOLS = new Set([
  ...WRITE_TOOLS,
  'Bash',
  'Read',
  'Grep',
  'Glob',
  'LS',
  'NotebookRead',
  'WebSearch',
  'WebFetch',
  'TodoWrite',
  'TodoRead',
  'Task',
  'BashOutput',
  'KillShell',
  'ExitPlanMode',
]);

const NETWORK = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'ftp',
  'scp',
  'sftp',
  'ssh',
  'aria2c',
]);
const INTERPRETERS = /^(sh|bash|zsh|dash|ksh|ash|fish|python[0-9.]*|perl|ruby|node|php|lua|eval|source|\.)$/;
const DECODERS = new Set(['base64', 'base32', 'basenc', 'xxd', 'uudecode', 'openssl']);
const WRITERS = new Set(['cp', 'mv', 'tee', 'touch', 'mkdir', 'ln', 'install', 'rsync', 'truncate']);
const SCRATCH = [
  '/tmp/**',
  '/var/tmp/**',
  '/dev/null',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/tty',
  '/dev/fd/*',
];
/** Inline interpreter code (`python -c`, `perl -e`, `node -e`) that runs commands or deletes trees. */
const INLINE_EXEC =
  /os\.system|subprocess|popen|shutil\.rmtree|child_process|execSync|spawn|\bexec\(|system\(|`|rm -r|rmSync|rmdirSync|unlinkSync|rm_rf|os\.(remove|unlink|rmdir|fork)|\bfork\b|\beval\b/i;
/** Inline code writing (`open('/etc/passwd','w')`) … */
const INLINE_WRITE = /['"][wa]b?\+?['"]|write|remove|unlink|rename|chmod|chown|truncate|rmtree|copy|move/i;
/** … a system path, credentials or a block device. */
const INLINE_SYSTEM_PATH =
  /['"](\/etc|\/usr|\/bin|\/sbin|\/boot|\/lib|\/root|\/var\/lib|\/dev\/(sd|nvme|vd|xvd)|~\/\.ssh)\b/;
const ENCODED = /^[A-Za-z0-9+/=_-]{40,}$/;

function add(signals: Signals, reason: string, weight: number): void {
  signals.set(reason, Math.max(signals.get(reason) ?? 0, weight));
}

/** A canonical path outside the working directory (scratch space excepted). */
function isOutside(path: string, cwd: string | undefined): boolean {
  if (matchesAnyPath(path, SCRATCH)) return false;
  if (path.startsWith('..')) return true;
  if (!path.startsWith('/') && !path.startsWith('~')) return false; // relative to an unknown cwd: inside it
  return cwd === undefined || !isWithin(path, cwd);
}

function shellSignals(shell: ShellAnalysis, cwd: string | undefined, signals: Signals): void {
  if (shell.properties.has('unparseable_command')) add(signals, 'unparseable_command', 1);
  if (shell.properties.has('fork_bomb')) add(signals, 'fork_bomb', 1);
  if (shell.properties.has('dynamic_program')) add(signals, 'dynamic_program', 0.5);
  const programs = new Set(shell.commands.map((c) => c.program).filter((p): p is string => p !== null));
  const has = (test: (p: string) => boolean): boolean => [...programs].some(test);
  const network = has((p) => NETWORK.has(p));
  const interpreter = has((p) => INTERPRETERS.test(p));
  if (network) add(signals, 'network', 0.1);
  if (network && interpreter) add(signals, 'network_and_exec', 0.6);
  const decoding = shell.commands.some(
    (c) =>
      c.program !== null &&
      DECODERS.has(c.program) &&
      (c.flags.has('d') || c.flags.has('decode') || c.flags.has('r') || c.program === 'uudecode'),
  );
  if (decoding) add(signals, interpreter ? 'decode_and_exec' : 'decoding', interpreter ? 0.6 : 0.15);
  if (shell.escapes >= 4) add(signals, 'escaped_characters', 0.3);
  let privileged = 0;
  for (const c of shell.commands) {
    if (c.program === 'sudo' || c.program === 'su' || c.program === 'doas') privileged++;
    for (const arg of c.args)
      if (arg !== null && ENCODED.test(arg) && /\d/.test(arg) && /[A-Za-z]/.test(arg))
        add(signals, 'encoded_payload', 0.3);
    commandSignals(c, cwd, signals);
  }
  if (privileged > 0)
    add(signals, privileged > 1 ? 'chained_sudo' : 'privileged', privileged > 1 ? 0.6 : 0.4);
  for (const r of shell.redirects) {
    if (r.target === null) add(signals, 'write_unresolved_target', 0.4);
    else if (isOutside(r.target, cwd)) add(signals, 'write_outside_cwd', 0.45);
  }
  if (runsWrittenFile(shell, cwd)) add(signals, 'exec_written_file', 0.6);
  if (network && runsDownloadedFile(shell)) add(signals, 'exec_downloaded_file', 0.6);
}

/**
 * The script writes a file and then runs it (`echo … > x.sh && bash x.sh`, `./x.sh`):
 * what runs is hidden from the rules, which see only `bash x.sh`.
 */
function runsWrittenFile(shell: ShellAnalysis, cwd: string | undefined): boolean {
  const written = new Set(shell.redirects.map((r) => r.target).filter((t): t is string => t !== null));
  if (written.size === 0) return false;
  const names = new Set([...written].map((t) => t.slice(t.lastIndexOf('/') + 1)));
  return shell.commands.some((c) => {
    if (c.program === null) return false;
    if (names.has(c.program) && !SAFE_PROGRAMS.has(c.program)) return true; // ./x.sh runs as program x.sh
    const script = c.positional[0];
    return (
      INTERPRETERS.test(c.program) &&
      typeof script === 'string' &&
      written.has(canonicalPath(script, c.cwd ?? cwd))
    );
  });
}

/** Network programs whose arguments name a file they fetch (ssh's name a remote command). */
const DOWNLOADERS = new Set(['curl', 'wget', 'aria2c', 'scp', 'sftp', 'ftp']);

/**
 * A downloader's argument (URL or output name) names a program run later: `curl -O x/i.sh
 * && ./i.sh`, `wget x/i.sh && chmod +x i.sh && ./i.sh` run unseen downloaded code.
 */
function runsDownloadedFile(shell: ShellAnalysis): boolean {
  const names = new Set<string>();
  for (const c of shell.commands)
    if (c.program !== null && DOWNLOADERS.has(c.program))
      for (const a of c.args) if (a !== null) names.add(a.replace(/[?#].*$/, '').replace(/^.*\//, ''));
  return shell.commands.some(
    (c) =>
      c.program !== null && !NETWORK.has(c.program) && !SAFE_PROGRAMS.has(c.program) && names.has(c.program),
  );
}

/** Programs a redirect target may share a name with without being that file. */
const SAFE_PROGRAMS = new Set(['cat', 'echo', 'printf', 'tee', 'ls', 'grep']);

function commandSignals(c: ShellCommand, cwd: string | undefined, signals: Signals): void {
  const program = c.program;
  if (program === null) return;
  const at = c.cwd ?? cwd;
  const targets = c.positional.map((p) => (p === null ? null : canonicalPath(p, at)));
  if (program === 'rm' || program === 'shred' || program === 'unlink' || program === 'rmdir') {
    const recursive = c.flags.has('r') || c.flags.has('R') || c.flags.has('recursive');
    if (targets.some((t) => t === null)) add(signals, 'delete_unresolved_target', recursive ? 0.45 : 0.35);
    if (targets.length >= 10) add(signals, 'many_deletions', 0.3);
    for (const t of targets) {
      if (t === null) continue;
      if (at !== undefined && isWithin(at, globTarget(t))) add(signals, 'delete_cwd_or_parent', 0.5);
      else if (isOutside(t, at))
        add(
          signals,
          recursive ? 'recursive_delete_outside_cwd' : 'delete_outside_cwd',
          recursive ? 0.45 : 0.25,
        );
      else if (recursive) add(signals, 'recursive_delete', 0.1);
    }
  }
  if (program === 'find' && (c.args.includes('-delete') || c.args.includes('-exec')))
    add(signals, 'find_delete_or_exec', 0.25);
  if (program === 'xargs' && c.wrappers.length === 0) add(signals, 'xargs', 0.05);
  if (c.wrappers.includes('xargs') && program === 'rm') {
    // The targets come from stdin: unknown here.
    const recursive = c.flags.has('r') || c.flags.has('R') || c.flags.has('recursive');
    add(signals, recursive ? 'recursive_delete_from_input' : 'many_deletions', recursive ? 0.45 : 0.3);
  }
  const recursiveChange =
    (program === 'chmod' || program === 'chown' || program === 'chgrp') &&
    (c.flags.has('R') || c.flags.has('recursive'));
  if (
    (recursiveChange || program === 'dd' || program === 'mkfs' || program.startsWith('mkfs.')) &&
    targets.some((t) => t === null)
  ) {
    add(signals, 'unresolved_target', 0.45);
  }
  if (WRITERS.has(program)) {
    const destination =
      program === 'tee' || program === 'touch' || program === 'mkdir' || program === 'truncate'
        ? targets
        : targets.slice(-1);
    if (destination.some((t) => t !== null && isOutside(t, at))) add(signals, 'write_outside_cwd', 0.45);
  }
  if (program === 'chmod') {
    const mode = c.positional[0] ?? '';
    if (mode !== null && (/[+=][rwx]*s/.test(mode) || /^[2-7][0-7]{3}$/.test(mode)))
      add(signals, 'setuid', 0.5);
    if (mode !== null && /^0?777$|a\+w|o\+w/.test(mode)) add(signals, 'world_writable', 0.2);
  }
  if (
    program === 'curl' &&
    (c.flags.has('T') || c.flags.has('upload-file') || c.args.some((a) => a !== null && /(^|=)@/.test(a)))
  ) {
    add(signals, 'upload', 0.35);
  }
  if (INTERPRETERS.test(program) && (c.flags.has('c') || c.flags.has('e'))) {
    const code = c.args.join(' ');
    if (INLINE_EXEC.test(code)) add(signals, 'inline_code_exec', 0.45);
    if (INLINE_SYSTEM_PATH.test(code) && INLINE_WRITE.test(code))
      add(signals, 'inline_code_system_write', 0.45);
  }
  if (program === 'history' && c.flags.has('c')) add(signals, 'history_tampering', 0.3);
  if (program === 'unset' && c.positional.includes('HISTFILE')) add(signals, 'history_tampering', 0.3);
  if (program === 'nohup' || program === 'setsid' || program === 'disown')
    add(signals, 'detached_process', 0.15);
  if (program === 'kill' || program === 'pkill' || program === 'killall')
    add(signals, 'kill_processes', 0.15);
  // kill -1 signals every process the user may signal; pid 1 is init.
  if (program === 'kill' && c.positional.some((p) => p === '-1' || p === '1'))
    add(signals, 'kill_all_processes', 0.5);
  if (program === 'git' && c.positional[0] === 'reset' && c.flags.has('hard'))
    add(signals, 'discard_changes', 0.25);
  if (program === 'git' && c.positional[0] === 'clean' && c.flags.has('f'))
    add(signals, 'discard_changes', 0.25);
  // curl -d @file / -F x=@file upload the named file.
  const uploads = c.args.flatMap((a) =>
    a !== null && a.includes('@') ? [canonicalPath(a.slice(a.indexOf('@') + 1), at)] : [],
  );
  if ([...targets, ...uploads].some((t) => t !== null && matchesAnyPath(t, SECRETS)))
    add(signals, 'secret_access', 0.3);
}

const SECRETS = [
  '~/.ssh/**',
  '/home/*/.ssh/**',
  '/root/.ssh/**',
  '~/.aws/**',
  '**/.env',
  '**/.env.*',
  '~/.netrc',
  '~/.kube/config',
];
