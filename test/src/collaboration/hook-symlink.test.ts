// The built `lighthouse hook pre-tool-use` against a running bridge with the default
// policy, in a project holding a symlink to /etc: the hook resolves it where the
// files are, so a write through it is denied although its path lies in the project.
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeClientConfig } from '@lighthouse/bridge/hook/client-config.js';
import { startTestBridge, type TestBridge } from '../bridge/harness.js';
import { runCommand } from '../processes/child.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge', 'bin', 'lighthouse.js');
const work = realpathSync(mkdtempSync(path.join(tmpdir(), 'hook-symlink-')));
const project = path.join(work, 'project');
const home = path.join(work, 'home');

let bridge: TestBridge;

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'bridge', 'dist', 'hook', 'real-paths.js'))) {
    throw new Error('bridge/dist is missing or stale: build first (make build)');
  }
  mkdirSync(path.join(project, 'real'), { recursive: true });
  symlinkSync('/etc', path.join(project, 'config'));
  bridge = await startTestBridge({ dataDir: path.join(work, 'data') });
  writeClientConfig(bridge.url, bridge.credential('claude'), { XDG_CONFIG_HOME: home });
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  rmSync(work, { recursive: true, force: true });
});

/** `lighthouse hook pre-tool-use` with a PreToolUse payload on stdin, as Claude Code runs it. */
function preToolUse(tool_name: string, tool_input: Record<string, unknown>) {
  return runCommand(process.execPath, [cli, 'hook', 'pre-tool-use'], {
    cwd: project,
    env: { PATH: '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: home, CLAUDE_PROJECT_DIR: project },
    input: JSON.stringify({
      session_id: 'session-1',
      cwd: project,
      hook_event_name: 'PreToolUse',
      tool_name,
      tool_input,
      tool_use_id: 'toolu_01',
    }),
  });
}

const output = (r: { stdout: string }) =>
  JSON.parse(r.stdout).hookSpecificOutput as { permissionDecision: string; permissionDecisionReason: string };

describe('lighthouse hook pre-tool-use with a symlink in the project', () => {
  it('denies a Write through a symlink to /etc, naming the real path', async () => {
    const r = await preToolUse('Write', { file_path: path.join(project, 'config', 'passwd'), content: 'x' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(output(r).permissionDecision).toBe('deny');
    expect(output(r).permissionDecisionReason).toContain(
      `${realpathSync('/etc')}/passwd (real path of ${project}/config/passwd)`,
    );
  });

  it('denies an Edit of a file that does not exist yet behind the link', async () => {
    const r = await preToolUse('Edit', {
      file_path: path.join(project, 'config', 'lighthouse-new.conf'),
      old_string: '',
      new_string: 'x',
    });
    expect(output(r).permissionDecision).toBe('deny');
  });

  it('allows the same write into a real project directory', async () => {
    const r = await preToolUse('Write', { file_path: path.join(project, 'real', 'passwd'), content: 'x' });
    expect(output(r).permissionDecision).toBe('allow');
  });
});
