// The policy contract shared with the bridge core (DESIGN.md §4, issue 6).
export interface ToolCall {
  tool: string;
  input: Record<string, unknown>;
  cwd?: string;
}
export type Decision = 'allow' | 'block' | 'escalate';
export type Enforcement = 'enforce' | 'warn' | 'dryrun';

export interface Rule {
  id: string;
  description: string;
  priority: number;
  action: Decision;
  enforcement: Enforcement;
  category: string;
  match: RuleMatch;
}
export interface Policy {
  /** sha256 of the canonical rules, short. */
  revision: string;
  rules: Rule[];
}
export interface RuleHit {
  ruleId: string;
  action: Decision;
  enforcement: Enforcement;
  category: string;
  reason: string;
}
export interface PolicyResult {
  /** Highest-priority enforce-mode hit. */
  decisive: RuleHit | null;
  /** warn/dryrun hits, for the audit log. */
  observed: RuleHit[];
}

/**
 * What a rule matches. Every present condition must hold (AND); a rule with only `tool`
 * matches every call of that tool. Conditions on the shell (`command`, `pipeline`,
 * `redirect`, `shell`) apply to `input.command` of a Bash call; `path` to the file
 * argument of a file tool.
 */
export interface RuleMatch {
  /** Tool name glob; `|` separates alternatives: `Bash`, `Write|Edit|MultiEdit`, `mcp__*`. */
  tool?: string;
  command?: CommandMatch;
  pipeline?: PipelineMatch;
  /** Targets of writing redirections (`>`, `>>`, `&>`, `>|`, `<>`), as path patterns. */
  redirect?: string[];
  /** Properties of the whole script. */
  shell?: ShellProperty[];
  path?: PathMatch;
}

/** Script-level findings that are not a single command. */
export type ShellProperty =
  | 'unparseable_command' /* the parser refused it, it is too long, or nesting is too deep */
  | 'dynamic_program' /* a command name or a `bash -c` / `eval` script is computed at run time */
  | 'fork_bomb'; /* a function that spawns itself, or an endless loop that starts background jobs */

export interface CommandMatch {
  /** Program basename globs (`rm`, `mkfs.*`); `/bin/rm` is `rm`. */
  program: string[];
  /**
   * First positional argument, e.g. `push` for git, `install` for apt-get; positional words
   * right after an option (`git -C repo push`) may be that option's value, so they count too.
   */
  subcommand?: string[];
  /**
   * Flag conditions. Each entry is a set of alternatives joined by `|`: `r|R|recursive`
   * matches `-r`, `-R`, `-rf`, `--recursive`. An alternative starting with `-` is compared
   * with the raw word instead (`-delete` for find).
   */
  flags?: { all?: string[]; any?: string[]; none?: string[] };
  /**
   * Positional arguments, normalised as paths against the effective cwd. `first`: the
   * leading operands before the first option (find's starting points: `find . / -delete`).
   * `stdin`: the file redirected to the command's stdin counts too (`cat < ~/.ssh/id_rsa`).
   */
  args?: { paths: string[]; position?: 'any' | 'first' | 'last'; stdin?: boolean };
  /** Files the command's statement opens for reading by a redirect, on any descriptor (`nc h 80 < f`, `exec 3< f`). */
  inputs?: string[];
  /** `name=value` operands (dd's `of=`), value as path patterns. */
  operands?: Record<string, string[]>;
  /**
   * Option values as paths: key `C|directory` matches `-C /etc`, `-C/etc`, `-xC /etc`,
   * `--directory /etc` and `--directory=/etc` (tar's target), value as path patterns.
   */
  options?: Record<string, string[]>;
  /**
   * `any` (default): some command of the script matches. `all`: every command does
   * (allow-lists of read-only programs) and the script has no writing redirection.
   */
  scope?: 'any' | 'all';
  /**
   * Only commands that read their script from stdin: no `-c`/`-e` code and no script file,
   * or the script is stdin itself (`-`, `/dev/stdin`), or a shell's `-s`.
   */
  readsStdin?: boolean;
}

/** A command matching `from` feeds, directly or further down the same pipeline, one matching `to`. */
export interface PipelineMatch {
  from: CommandMatch;
  to: CommandMatch;
}

export interface PathMatch {
  /** Path globs on the canonical path: `/etc/**`, `~/.ssh/**`, `**\/.env`. */
  patterns?: string[];
  /** The raw path uses `..` and its canonical form lies outside cwd. */
  escapesCwd?: boolean;
}
