// The built `lighthouse hook` command fed real Claude Code hook payloads over
// stdin, against a running bridge (and against none).
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeClientConfig } from '@lighthouse/bridge/hook/client-config.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startTestBridge, type TestBridge } from '../bridge/harness.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge', 'bin', 'lighthouse.js');
const project = mkdtempSync(path.join(tmpdir(), 'hook-project-'));
const configHome = mkdtempSync(path.join(tmpdir(), 'hook-config-'));
const downHome = mkdtempSync(path.join(tmpdir(), 'hook-down-'));

let db: TestDatabase;
let bridge: TestBridge;

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'bridge', 'dist', 'cli', 'hook.js'))) {
    throw new Error('bridge/dist is missing: build first (make test builds; or npx tsc -b bridge)');
  }
  db = await createTestDatabase();
  bridge = await startTestBridge({ databaseUrl: db.url }, { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: '300' });
  writeClientConfig(bridge.url, bridge.credential('claude'), { XDG_CONFIG_HOME: configHome });
  // A config that points at a port nobody listens on.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));
  writeClientConfig(`http://127.0.0.1:${port}`, bridge.credential('claude'), { XDG_CONFIG_HOME: downHome });
}, 120_000);
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
  for (const d of [project, configHome, downHome]) rmSync(d, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file` from / with `input` on stdin, as Claude Code runs a hook command. */
function runWithStdin(file: string, args: string[], env: NodeJS.ProcessEnv, input: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: '/', env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

function hook(args: string[], payload: unknown, home = configHome, nodeArgs: string[] = []): Promise<Run> {
  return runWithStdin(
    process.execPath,
    [...nodeArgs, cli, 'hook', ...args],
    { PATH: '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: home, CLAUDE_PROJECT_DIR: project },
    JSON.stringify(payload),
  );
}

const pre = (tool_name: string, tool_input: Record<string, unknown>) => ({
  session_id: 'session-1',
  transcript_path: '/tmp/transcript.jsonl',
  cwd: project,
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name,
  tool_input,
  tool_use_id: 'toolu_01',
});
const decision = (r: Run) =>
  JSON.parse(r.stdout).hookSpecificOutput as { permissionDecision: string; permissionDecisionReason: string };

describe('lighthouse hook pre-tool-use against a running bridge', () => {
  it.each([
    ['Bash ls', pre('Bash', { command: 'ls -la', description: 'list' }), 'allow'],
    ['Read a project file', pre('Read', { file_path: path.join(project, 'README.md') }), 'allow'],
    [
      'Write a project file',
      pre('Write', { file_path: path.join(project, 'src/new.ts'), content: 'x' }),
      'allow',
    ],
    [
      'Edit a project file',
      pre('Edit', { file_path: path.join(project, 'src/new.ts'), old_string: 'x', new_string: 'y' }),
      'allow',
    ],
    ['Bash rm -rf /', pre('Bash', { command: 'rm -rf /' }), 'deny'],
    ['Write /etc/passwd', pre('Write', { file_path: '/etc/passwd', content: 'x' }), 'deny'],
    // Unparseable shell escalates; no expert answers within the timeout, so the person is asked.
    ['Bash unparseable (escalated)', pre('Bash', { command: 'echo "unterminated' }), 'ask'],
  ])('%s → %s', async (_name, payload, expected) => {
    const r = await hook(['pre-tool-use'], payload);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(decision(r).permissionDecision).toBe(expected);
    expect(decision(r).permissionDecisionReason).toMatch(/^Lighthouse: .*\[decision [0-9a-f-]+\]$/);
  });

  it("keeps V8's compiled code in the user's cache directory between runs", async () => {
    const cache = path.join(configHome, '.cache', 'lighthouse', 'node-compile-cache');
    expect((await hook(['pre-tool-use'], pre('Bash', { command: 'pwd' }))).code).toBe(0);
    expect(readdirSync(cache, { recursive: true }).length).toBeGreaterThan(0);
  });

  // Claude Code pays the hook's start on every tool call; these modules are
  // what the start-up fixes keep out (fetch's undici, fs/promises' readline,
  // the whole-namespace evaluation of node:util and node:fs).
  it('does not load modules a pre-tool-use call never needs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hook-modules-'));
    const list = path.join(dir, 'modules.txt');
    const preload = path.join(dir, 'record.mjs');
    writeFileSync(
      preload,
      `process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`,
    );
    try {
      const r = await hook(['pre-tool-use'], pre('Read', { file_path: `${project}/a.ts` }), configHome, [
        '--import',
        preload,
      ]);
      expect(decision(r).permissionDecision).toBe('allow');
      const loaded = readFileSync(list, 'utf8').split('\n');
      expect(loaded).toContain('NativeModule http');
      for (const unneeded of [
        'NativeModule internal/deps/undici/undici',
        'NativeModule internal/fs/promises',
        'NativeModule internal/readline/interface',
        'NativeModule internal/util/diff',
        'NativeModule worker_threads',
      ])
        expect(loaded).not.toContain(unneeded);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses garbage on stdin with exit 2', async () => {
    const r = await hook(['pre-tool-use'], 'not a hook payload');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tool call blocked/);
  });
});

describe('lighthouse hook post-tool-use', () => {
  it('reports a Write as a file change the bridge serves back', async () => {
    mkdirSync(path.join(project, 'src'), { recursive: true });
    writeFileSync(path.join(project, 'src', 'new.ts'), 'export const x = 1;\n');
    const r = await hook(['post-tool-use'], {
      ...pre('Write', { file_path: path.join(project, 'src', 'new.ts'), content: 'export const x = 1;\n' }),
      hook_event_name: 'PostToolUse',
      tool_response: { filePath: path.join(project, 'src', 'new.ts'), success: true },
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const res = await bridge.client('reader').fetch('GET', '/v1/files/src/new.ts');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('export const x = 1;\n');
    const history = await bridge
      .client('reader')
      .get<{ changes: { agentId: string; sessionId: string }[] }>('/v1/files/src/new.ts/history');
    expect(history.body.changes.at(-1)).toMatchObject({ agentId: 'claude', sessionId: 'session-1' });
  });
});

describe('lighthouse hook install', () => {
  it('writes the hooks into the project settings; the command it wrote gets decisions from the bridge', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hook-install-cli-'));
    try {
      const r = await hook(['install', '--project', '--project-dir', dir, '--json'], '');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const { settingsFile, launcher } = JSON.parse(r.stdout) as { settingsFile: string; launcher: string };
      expect(settingsFile).toBe(path.join(dir, '.claude', 'settings.json'));
      const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as {
        hooks: Record<string, { hooks: { command: string }[] }[]>;
      };
      const command = settings.hooks.PreToolUse![0]!.hooks[0]!.command;
      expect(command).toBe(`'${launcher}' hook pre-tool-use`);
      // As Claude Code runs it: through a shell, from elsewhere, with a plain PATH.
      const run = await runWithStdin(
        '/bin/sh',
        ['-c', command],
        { PATH: '/usr/bin:/bin', HOME: configHome, XDG_CONFIG_HOME: configHome },
        JSON.stringify(pre('Bash', { command: 'ls' })),
      );
      expect(run.code).toBe(0);
      expect(decision(run).permissionDecision).toBe('allow');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lighthouse hook pre-tool-use with the bridge down', () => {
  it('denies by default: exit 2 with the reason on stderr', async () => {
    const r = await hook(['pre-tool-use'], pre('Bash', { command: 'ls' }), downHome);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bridge unreachable \(ECONNREFUSED\); tool call blocked/);
  });

  it('--on-unreachable ask hands the call to the person', async () => {
    const r = await hook(
      ['pre-tool-use', '--on-unreachable', 'ask'],
      pre('Bash', { command: 'ls' }),
      downHome,
    );
    expect(r.code).toBe(0);
    expect(decision(r).permissionDecision).toBe('ask');
  });
});
