// Merging Lighthouse's hook entries into a Claude Code settings.json without
// disturbing anything else in it. Re-installing replaces our entries (found by
// their command) instead of adding duplicates.
export interface HookCommand {
  type: 'command';
  command: string;
  timeout?: number;
}
interface MatcherGroup {
  matcher?: string;
  hooks: HookCommand[];
  [key: string]: unknown;
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export interface LighthouseHooks {
  /** Absolute path of the launcher; commands are `<launcher> hook pre-tool-use` etc. */
  launcher: string;
  preToolUseTimeoutSeconds: number;
}

/** Single-quotes a path for the shell Claude Code runs hook commands with. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const OUR_COMMAND = /\bhook (pre|post)-tool-use\b/;

/** A hook entry an earlier install wrote (from this or another checkout). */
export function isOurs(hook: unknown): boolean {
  const command = (hook as { command?: unknown } | null)?.command;
  return typeof command === 'string' && command.includes('lighthouse') && OUR_COMMAND.test(command);
}

export function mergeHookSettings(existing: unknown, hooks: LighthouseHooks): Record<string, unknown> {
  if (existing === undefined) existing = {};
  if (typeof existing !== 'object' || existing === null || Array.isArray(existing)) {
    throw new SettingsError('settings file must hold a JSON object');
  }
  const settings = { ...(existing as Record<string, unknown>) };
  const current = settings.hooks ?? {};
  if (typeof current !== 'object' || current === null || Array.isArray(current)) {
    throw new SettingsError('"hooks" in the settings file must be an object');
  }
  const merged: Record<string, unknown> = { ...(current as Record<string, unknown>) };
  const launcher = shellQuote(hooks.launcher);
  const wanted: Record<'PreToolUse' | 'PostToolUse', MatcherGroup> = {
    PreToolUse: {
      matcher: '*',
      hooks: [
        {
          type: 'command',
          command: `${launcher} hook pre-tool-use`,
          timeout: hooks.preToolUseTimeoutSeconds,
        },
      ],
    },
    PostToolUse: {
      matcher: 'Write|Edit|MultiEdit',
      hooks: [{ type: 'command', command: `${launcher} hook post-tool-use`, timeout: 30 }],
    },
  };
  for (const [event, group] of Object.entries(wanted)) {
    const groups = merged[event] ?? [];
    if (!Array.isArray(groups))
      throw new SettingsError(`"hooks.${event}" in the settings file must be an array`);
    const kept = groups
      .map((g: unknown) => {
        if (typeof g !== 'object' || g === null || !Array.isArray((g as MatcherGroup).hooks)) return g;
        const rest = (g as MatcherGroup).hooks.filter((h) => !isOurs(h));
        return rest.length === (g as MatcherGroup).hooks.length
          ? g
          : rest.length
            ? { ...g, hooks: rest }
            : null;
      })
      .filter((g) => g !== null);
    merged[event] = [...kept, group];
  }
  settings.hooks = merged;
  return settings;
}
