import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from '@jest/globals';
import { installHooks } from './install.js';
import { SettingsError } from './settings.js';

const root = mkdtempSync(path.join(tmpdir(), 'hook-install-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const options = (projectDir: string) => ({
  scope: 'project' as const,
  projectDir,
  launcherPath: path.join(root, 'config', 'bin', 'lighthouse'),
  entry: path.join(root, 'entry.js'),
  nodePath: process.execPath,
  now: new Date('2026-01-02T03:04:05Z'),
});

describe('installHooks', () => {
  it('merges into an existing project settings file and backs the original up', () => {
    const project = path.join(root, 'p1');
    mkdirSync(path.join(project, '.claude'), { recursive: true });
    const original = JSON.stringify({
      model: 'sonnet',
      hooks: { Stop: [{ hooks: [{ type: 'command', command: 'x' }] }] },
    });
    writeFileSync(path.join(project, '.claude', 'settings.json'), original);

    const r = installHooks(options(project));
    expect(r.backupFile).toMatch(/settings\.json\.lighthouse-backup-2026-01-02T03-04-05-000Z$/);
    expect(readFileSync(r.backupFile!, 'utf8')).toBe(original);
    const written = JSON.parse(readFileSync(r.settingsFile, 'utf8'));
    expect(written.model).toBe('sonnet');
    expect(written.hooks.Stop).toEqual([{ hooks: [{ type: 'command', command: 'x' }] }]);
    expect(written.hooks.PreToolUse[0].hooks[0].command).toBe(`'${r.launcher}' hook pre-tool-use`);
  });

  it('writes an executable launcher that runs the entry with this Node from any directory', () => {
    const project = path.join(root, 'p2');
    const o = options(project);
    writeFileSync(
      o.entry,
      'console.log(JSON.stringify({ node: process.version, args: process.argv.slice(2) }))\n',
    );
    const r = installHooks(o);
    expect(statSync(r.launcher).mode & 0o111).not.toBe(0);
    const out = execFileSync(r.launcher, ['hook', 'pre-tool-use'], {
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(JSON.parse(out.toString())).toEqual({ node: process.version, args: ['hook', 'pre-tool-use'] });
  });

  it('creates the settings file when there is none (no backup)', () => {
    const r = installHooks(options(path.join(root, 'p3')));
    expect(r.backupFile).toBeNull();
    expect(Object.keys(JSON.parse(readFileSync(r.settingsFile, 'utf8')).hooks)).toEqual([
      'PreToolUse',
      'PostToolUse',
    ]);
  });

  it('refuses a settings file that is not JSON and leaves it untouched', () => {
    const project = path.join(root, 'p4');
    mkdirSync(path.join(project, '.claude'), { recursive: true });
    const file = path.join(project, '.claude', 'settings.json');
    writeFileSync(file, '{ broken');
    expect(() => installHooks(options(project))).toThrow(SettingsError);
    expect(readFileSync(file, 'utf8')).toBe('{ broken');
    expect(readdirSync(path.dirname(file))).toEqual(['settings.json']);
  });

  it('updates a symlinked settings file where it points, keeping the link', () => {
    const project = path.join(root, 'p6');
    const dotfile = path.join(root, 'dotfiles', 'claude-settings.json');
    mkdirSync(path.dirname(dotfile), { recursive: true });
    mkdirSync(path.join(project, '.claude'), { recursive: true });
    writeFileSync(dotfile, JSON.stringify({ model: 'opus' }));
    const link = path.join(project, '.claude', 'settings.json');
    symlinkSync(dotfile, link);

    const r = installHooks(options(project));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const written = JSON.parse(readFileSync(dotfile, 'utf8'));
    expect(written.model).toBe('opus');
    expect(Object.keys(written.hooks)).toEqual(['PreToolUse', 'PostToolUse']);
    expect(readFileSync(r.backupFile!, 'utf8')).toBe(JSON.stringify({ model: 'opus' }));
  });

  it("keeps the settings file's permissions (its env may hold secrets)", () => {
    const project = path.join(root, 'p7');
    mkdirSync(path.join(project, '.claude'), { recursive: true });
    const file = path.join(project, '.claude', 'settings.json');
    writeFileSync(file, JSON.stringify({ env: { API_TOKEN: 'secret' } }), { mode: 0o600 });
    chmodSync(file, 0o600);
    installHooks(options(project));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a read-only settings file and leaves it untouched', () => {
    const project = path.join(root, 'p8');
    mkdirSync(path.join(project, '.claude'), { recursive: true });
    const file = path.join(project, '.claude', 'settings.json');
    writeFileSync(file, '{}');
    chmodSync(file, 0o444);
    expect(() => installHooks(options(project))).toThrow(/settings\.json is read-only/);
    expect(readFileSync(file, 'utf8')).toBe('{}');
    expect(statSync(file).mode & 0o777).toBe(0o444);
    expect(readdirSync(path.dirname(file))).toEqual(['settings.json']);
  });

  it('refuses a settings path that is not a file', () => {
    const project = path.join(root, 'p9');
    mkdirSync(path.join(project, '.claude', 'settings.json'), { recursive: true });
    expect(() => installHooks(options(project))).toThrow(
      new SettingsError(`${path.join(project, '.claude', 'settings.json')} is not a regular file`),
    );
  });

  it('user scope writes ~/.claude/settings.json', () => {
    const home = path.join(root, 'home');
    const r = installHooks({ ...options(path.join(root, 'p5')), scope: 'user', home });
    expect(r.settingsFile).toBe(path.join(home, '.claude', 'settings.json'));
  });
});
