// `lighthouse hook install`: a launcher script that runs this checkout with
// this Node (Claude Code runs hooks with the user's ordinary PATH, where
// `node` may be too old or absent), and the hook entries merged into
// .claude/settings.json (project) or ~/.claude/settings.json (user).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { mergeHookSettings, SettingsError } from './settings.js';

export interface InstallOptions {
  scope: 'project' | 'user';
  /** Project directory for `project` scope. */
  projectDir: string;
  home?: string;
  /** Where the launcher goes (default: <config dir>/bin/lighthouse). */
  launcherPath: string;
  /** The `lighthouse.js` entry the launcher runs, and the Node that runs it. */
  entry: string;
  nodePath: string;
  preToolUseTimeoutSeconds?: number;
  now?: Date;
}

export interface InstallResult {
  settingsFile: string;
  backupFile: string | null;
  launcher: string;
  settings: Record<string, unknown>;
}

export function settingsFile(scope: 'project' | 'user', projectDir: string, home = homedir()): string {
  return scope === 'user'
    ? path.join(home, '.claude', 'settings.json')
    : path.join(projectDir, '.claude', 'settings.json');
}

export function launcherScript(nodePath: string, entry: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n# Written by \`lighthouse hook install\`: runs the lighthouse CLI with the Node it was installed with.\nexec ${q(nodePath)} ${q(entry)} "$@"\n`;
}

/** Writes the launcher script (mode 0755) that runs `entry` with `nodePath`. */
export function writeLauncher(launcherPath: string, nodePath: string, entry: string): void {
  mkdirSync(path.dirname(launcherPath), { recursive: true });
  writeFileSync(launcherPath, launcherScript(nodePath, entry), { mode: 0o755 });
  chmodSync(launcherPath, 0o755);
}

/**
 * Rewrites a JSON settings file through `update`, atomically, after copying the
 * previous file aside. A file that is not JSON, or is read-only, is left untouched
 * and refused. A symlinked file (dotfiles) is rewritten where it points, and
 * keeps its permissions: ~/.claude.json and an `env` in settings may hold secrets.
 */
export function updateJsonFile(
  file: string,
  update: (existing: unknown) => Record<string, unknown>,
  now = new Date(),
): { value: Record<string, unknown>; backupFile: string | null } {
  let existing: unknown;
  let backupFile: string | null = null;
  let target = file;
  let mode: number | undefined;
  if (existsSync(file)) {
    target = realpathSync(file);
    const stat = statSync(target);
    if (!stat.isFile()) throw new SettingsError(`${file} is not a regular file`);
    if ((stat.mode & 0o222) === 0)
      throw new SettingsError(`${file} is read-only; make it writable to install, or edit it by hand`);
    mode = stat.mode & 0o7777;
    const text = readFileSync(file, 'utf8');
    try {
      existing = text.trim() === '' ? {} : JSON.parse(text);
    } catch (err) {
      throw new SettingsError(
        `${file} is not valid JSON (${(err as Error).message}); fix it or move it away first`,
      );
    }
    backupFile = `${file}.lighthouse-backup-${now.toISOString().replace(/[:.]/g, '-')}`;
    copyFileSync(file, backupFile);
  }
  const value = update(existing);
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  // Private until it has the file's mode (chmod: writeFileSync's mode is narrowed by the umask).
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', mode === undefined ? {} : { mode: 0o600 });
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, target);
  return { value, backupFile };
}

export function installHooks(opts: InstallOptions): InstallResult {
  writeLauncher(opts.launcherPath, opts.nodePath, opts.entry);
  const file = settingsFile(opts.scope, opts.projectDir, opts.home);
  const { value: settings, backupFile } = updateJsonFile(
    file,
    (existing) =>
      mergeHookSettings(existing, {
        launcher: opts.launcherPath,
        preToolUseTimeoutSeconds: opts.preToolUseTimeoutSeconds ?? 120,
      }),
    opts.now,
  );
  return { settingsFile: file, backupFile, launcher: opts.launcherPath, settings };
}
