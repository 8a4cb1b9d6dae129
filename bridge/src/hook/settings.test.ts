import { describe, expect, it } from '@jest/globals';
import { mergeHookSettings, SettingsError, shellQuote } from './settings.js';

const hooks = { launcher: '/opt/light house/bin/lighthouse', preToolUseTimeoutSeconds: 120 };
const pre = `${shellQuote(hooks.launcher)} hook pre-tool-use`;

describe('mergeHookSettings', () => {
  it('adds both hooks to empty settings', () => {
    const s = mergeHookSettings(undefined, hooks) as { hooks: Record<string, unknown> };
    expect(s.hooks.PreToolUse).toEqual([
      { matcher: '*', hooks: [{ type: 'command', command: pre, timeout: 120 }] },
    ]);
    expect(s.hooks.PostToolUse).toEqual([
      {
        matcher: 'Write|Edit|MultiEdit',
        hooks: [
          { type: 'command', command: `'/opt/light house/bin/lighthouse' hook post-tool-use`, timeout: 30 },
        ],
      },
    ]);
  });

  it('keeps every existing setting and hook', () => {
    const existing = {
      model: 'opus',
      permissions: { allow: ['Bash(npm test)'] },
      hooks: {
        PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '/usr/local/bin/audit.sh' }] }],
        Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
      },
    };
    const s = mergeHookSettings(existing, hooks) as typeof existing;
    expect(s.model).toBe('opus');
    expect(s.permissions).toEqual(existing.permissions);
    expect(s.hooks.Stop).toEqual(existing.hooks.Stop);
    expect(s.hooks.PreToolUse).toHaveLength(2);
    expect(s.hooks.PreToolUse[0]).toEqual(existing.hooks.PreToolUse[0]);
    expect(existing.hooks.PreToolUse).toHaveLength(1); // input not mutated
  });

  it('is idempotent and replaces entries from an older install path', () => {
    const once = mergeHookSettings({}, { ...hooks, launcher: '/old/lighthouse' });
    const twice = mergeHookSettings(once, hooks);
    const thrice = mergeHookSettings(twice, hooks);
    expect(thrice).toEqual(twice);
    const commands = JSON.stringify(thrice);
    expect(commands).not.toContain('/old/lighthouse');
    expect((thrice.hooks as Record<string, unknown[]>).PreToolUse).toHaveLength(1);
  });

  it('keeps other hooks that share a matcher group with an old lighthouse entry', () => {
    const existing = {
      hooks: {
        PreToolUse: [
          {
            matcher: '*',
            hooks: [
              { type: 'command', command: `'/old/lighthouse' hook pre-tool-use` },
              { type: 'command', command: 'mine.sh' },
            ],
          },
        ],
      },
    };
    const s = mergeHookSettings(existing, hooks) as {
      hooks: { PreToolUse: { hooks: { command: string }[] }[] };
    };
    expect(s.hooks.PreToolUse[0]!.hooks.map((h) => h.command)).toEqual(['mine.sh']);
    expect(s.hooks.PreToolUse[1]!.hooks[0]!.command).toBe(pre);
  });

  it.each([[[]], ['text'], [{ hooks: [] }], [{ hooks: { PreToolUse: {} } }]])('refuses %j', (bad) => {
    expect(() => mergeHookSettings(bad, hooks)).toThrow(SettingsError);
  });
});
