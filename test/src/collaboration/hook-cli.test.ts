// The built `lighthouse hook` command fed real Claude Code hook payloads over
// stdin, against a running bridge (and against none).
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeClientConfig } from '@lighthouse/bridge/hook/client-config.js';
import { createTestDatabase, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { startTestBridge, type TestBridge } from '../bridge/harness.js';
import { runCommand, startRun, type Run } from '../processes/child.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge', 'bin', 'lighthouse.js');
const project = mkdtempSync(path.join(tmpdir(), 'hook-project-'));
const configHome = mkdtempSync(path.join(tmpdir(), 'hook-config-'));
const downHome = mkdtempSync(path.join(tmpdir(), 'hook-down-'));
const temps: string[] = [];
/** An empty directory, removed after the tests. */
const tempDir = (prefix: string) => {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(d);
  return d;
};

let db: TestDatabase;
let bridge: TestBridge;
/** A loopback URL nobody listens on. */
let downUrl: string;

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
  downUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise((r) => closed.close(r));
  writeClientConfig(downUrl, bridge.credential('claude'), { XDG_CONFIG_HOME: downHome });
}, 120_000);
afterAll(async () => {
  await bridge?.close();
  await db?.drop();
  for (const d of [project, configHome, downHome, ...temps]) rmSync(d, { recursive: true, force: true });
});

/** Runs `file` from / with `input` on stdin, as Claude Code runs a hook command. */
const runWithStdin = (file: string, args: string[], env: NodeJS.ProcessEnv, input: string): Promise<Run> =>
  runCommand(file, args, { cwd: '/', env, input });

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

  it.each([
    ['Edit', { old_string: 'one', new_string: 'two' }],
    ['MultiEdit', { edits: [{ old_string: 'one', new_string: 'two' }] }],
  ])('reports a change by %s: the bridge then serves the edited file', async (tool, edit) => {
    const rel = `src/${tool.toLowerCase()}.ts`;
    const file = path.join(project, rel);
    const report = (tool_name: string, tool_input: Record<string, unknown>) =>
      hook(['post-tool-use'], {
        ...pre(tool_name, { file_path: file, ...tool_input }),
        hook_event_name: 'PostToolUse',
        tool_response: { filePath: file },
      });
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'export const n = "one";\n');
    expect(await report('Write', { content: 'export const n = "one";\n' })).toMatchObject({ code: 0 });
    // The tool has edited the file on disk by the time PostToolUse runs.
    writeFileSync(file, 'export const n = "two";\n');
    expect(await report(tool, edit)).toMatchObject({ code: 0, stderr: '' });
    const res = await bridge.client('reader').fetch('GET', `/v1/files/${rel}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('export const n = "two";\n');
    const history = await bridge
      .client('reader')
      .get<{ changes: { agentId: string }[] }>(`/v1/files/${rel}/history`);
    expect(history.body.changes).toHaveLength(2);
  });

  it('reports nothing for a file reached through a symlink that leaves the project', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'hook-outside-'));
    try {
      writeFileSync(path.join(outside, '.bashrc'), 'export TOKEN=secret\n');
      symlinkSync(outside, path.join(project, 'home-link'));
      const file = path.join(project, 'home-link', '.bashrc');
      const r = await hook(['post-tool-use'], {
        ...pre('Edit', { file_path: file, old_string: 'a', new_string: 'b' }),
        hook_event_name: 'PostToolUse',
        tool_response: { filePath: file },
      });
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect((await bridge.client('reader').fetch('GET', '/v1/files/home-link/.bashrc')).status).toBe(404);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
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

describe('lighthouse hook install: configuration and errors', () => {
  /** A credential file holding `text`. */
  const credentialFile = (text: string) => {
    const f = path.join(tempDir('hook-cred-'), 'credential');
    writeFileSync(f, text, { mode: 0o600 });
    return f;
  };

  it('--url U --credential-file F writes the CLI config, which the next pre-tool-use uses', async () => {
    const home = tempDir('hook-install-config-');
    const dir = tempDir('hook-install-project-');
    const source = credentialFile(`${bridge.credential('claude')}\n`);
    const r = await hook(
      ['install', '--project-dir', dir, '--url', bridge.url, '--credential-file', source],
      '',
      home,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const config = JSON.parse(readFileSync(path.join(home, 'lighthouse', 'config.json'), 'utf8')) as unknown;
    const stored = path.join(home, 'lighthouse', 'credential');
    expect(config).toEqual({ url: bridge.url, credentialFile: stored });
    expect(readFileSync(stored, 'utf8')).toBe(`${bridge.credential('claude')}\n`);
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    const run = await hook(['pre-tool-use'], pre('Bash', { command: 'ls' }), home);
    expect(run.code).toBe(0);
    expect(decision(run).permissionDecision).toBe('allow');
  });

  it('--user merges into ~/.claude/settings.json, keeping other settings and a backup', async () => {
    const home = tempDir('hook-install-user-');
    const settingsFile = path.join(home, '.claude', 'settings.json');
    const before = {
      model: 'opus',
      permissions: { allow: ['Bash(ls:*)'] },
      hooks: { Notification: [{ hooks: [{ type: 'command', command: 'notify-send hi' }] }] },
    };
    mkdirSync(path.dirname(settingsFile), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify(before));
    const r = await hook(
      [
        'install',
        '--user',
        '--json',
        '--url',
        bridge.url,
        '--credential-file',
        credentialFile(bridge.credential('claude')),
      ],
      '',
      home,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(r.stdout) as { settingsFile: string; backupFile: string };
    expect(out.settingsFile).toBe(settingsFile);
    expect(path.dirname(out.backupFile)).toBe(path.dirname(settingsFile));
    expect(readFileSync(out.backupFile, 'utf8')).toBe(JSON.stringify(before));
    const after = JSON.parse(readFileSync(settingsFile, 'utf8')) as typeof before & {
      hooks: Record<string, { matcher?: string; hooks: { command: string }[] }[]>;
    };
    expect(after).toMatchObject({ model: 'opus', permissions: before.permissions });
    expect(after.hooks.Notification).toEqual(before.hooks.Notification);
    expect(after.hooks.PreToolUse![0]!.hooks[0]!.command).toMatch(/hook pre-tool-use$/);
    expect(after.hooks.PostToolUse![0]).toMatchObject({ matcher: 'Write|Edit|MultiEdit' });
  });

  it.each([
    [
      'a missing credential file',
      () => path.join(tempDir('hook-cred-'), 'absent'),
      /cannot read credential file \/.*\/absent: ENOENT/,
    ],
    [
      'a malformed credential file',
      () => credentialFile('not-a-credential\n'),
      /credential file \/.*: credential must look like lh1\.<agent-id>\.<key>/,
    ],
  ])('refuses %s in one line, exit 2, writing nothing', async (_name, file, reason) => {
    const home = tempDir('hook-install-bad-');
    const r = await hook(['install', '--url', bridge.url, '--credential-file', file()], '', home);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^lighthouse hook: ${reason.source}\n$`));
    expect(existsSync(path.join(home, 'lighthouse'))).toBe(false);
  });

  it('refuses with no bridge configured: exit 2, naming what to set', async () => {
    const home = tempDir('hook-install-none-');
    const r = await hook(['install', '--project-dir', home], '', home);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lighthouse hook: no bridge URL: set LIGHTHOUSE_URL .*\n$/);
    expect(existsSync(path.join(home, '.claude'))).toBe(false);
  });

  it('refuses --project and --user together: exit 2', async () => {
    const r = await hook(['install', '--project', '--user'], '');
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'lighthouse hook: give --project or --user, not both\n',
    });
  });
});

// Claude Code runs the tool when a hook exits 1 (a "non-blocking error"): whatever
// goes wrong in pre-tool-use must exit 2, and in one line, never a stack trace.
describe('lighthouse hook: failures outside the bridge', () => {
  /** A config home whose bridge URL is `url`, with a good credential. */
  const withUrl = (url: string) => {
    const home = tempDir('hook-url-');
    writeClientConfig(url, bridge.credential('claude'), { XDG_CONFIG_HOME: home });
    return home;
  };

  it.each(['localhost:8765', 'ftp://127.0.0.1:8765'])(
    'blocks when the configured bridge URL is %s (not http or https)',
    async (url) => {
      const r = await hook(['pre-tool-use'], pre('Bash', { command: 'ls' }), withUrl(url));
      expect(r).toMatchObject({ code: 2, stdout: '' });
      expect(r.stderr).toMatch(
        new RegExp(
          `^lighthouse: bridge URL ${url} \\(.*config\\.json\\) is not an http:// or https:// URL; tool call blocked\n$`,
        ),
      );
    },
  );

  it('install refuses such a URL, writing nothing', async () => {
    const home = tempDir('hook-install-url-');
    const credential = path.join(home, 'given-credential');
    writeFileSync(credential, bridge.credential('claude'));
    const r = await hook(
      ['install', '--project-dir', home, '--url', 'localhost:8765', '--credential-file', credential],
      '',
      home,
    );
    expect(r).toMatchObject({
      code: 2,
      stderr: 'lighthouse hook: --url localhost:8765 is not an http:// or https:// URL\n',
    });
    expect(existsSync(path.join(home, 'lighthouse'))).toBe(false);
    expect(existsSync(path.join(home, '.claude'))).toBe(false);
  });

  it('blocks hook input over 16 MiB in one line', async () => {
    const run = startRun(process.execPath, [cli, 'hook', 'pre-tool-use'], {
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', HOME: configHome, XDG_CONFIG_HOME: configHome },
      input: JSON.stringify(pre('Write', { file_path: `${project}/big`, content: 'a'.repeat(17 << 20) })),
    });
    // The hook stops reading once past the limit: the rest of the write fails with EPIPE.
    run.child.stdin!.on('error', () => undefined);
    expect(await run.done).toEqual({
      code: 2,
      stdout: '',
      stderr: 'lighthouse hook pre-tool-use: hook input larger than 16 MiB; tool call blocked\n',
    });
  });

  it("refuses a --timeout past setTimeout's limit, which would otherwise fire at once", async () => {
    const r = await hook(['pre-tool-use', '--timeout', '1e10'], pre('Bash', { command: 'ls' }));
    expect(r).toMatchObject({
      code: 2,
      stderr: 'lighthouse hook: --timeout must be a positive number of seconds, at most 2147483\n',
    });
  });

  it('post-tool-use on a path it cannot read as a file says so in one line, exit 1', async () => {
    const dir = path.join(project, 'a-directory');
    mkdirSync(dir, { recursive: true });
    const r = await hook(['post-tool-use'], {
      ...pre('Write', { file_path: dir, content: 'x' }),
      hook_event_name: 'PostToolUse',
    });
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'lighthouse: cannot read a-directory: EISDIR\n' });
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

  it('--on-unreachable allow lets the call run, saying why', async () => {
    const r = await hook(
      ['pre-tool-use', '--on-unreachable', 'allow'],
      pre('Bash', { command: 'ls' }),
      downHome,
    );
    expect(r.code).toBe(0);
    expect(decision(r)).toMatchObject({
      permissionDecision: 'allow',
      permissionDecisionReason: 'lighthouse: bridge unreachable (ECONNREFUSED)',
    });
  });

  it('refuses --on-unreachable bogus: exit 2, so the call is blocked', async () => {
    const r = await hook(
      ['pre-tool-use', '--on-unreachable', 'bogus'],
      pre('Bash', { command: 'ls' }),
      downHome,
    );
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'lighthouse hook: --on-unreachable must be deny, ask or allow\n',
    });
  });

  /** A config home pointing at the down bridge with `onUnreachable` set to `mode`. */
  const withMode = (mode: string) => {
    const home = tempDir('hook-mode-');
    mkdirSync(path.join(home, 'lighthouse'));
    writeFileSync(
      path.join(home, 'lighthouse', 'config.json'),
      JSON.stringify({
        url: downUrl,
        credentialFile: path.join(downHome, 'lighthouse', 'credential'),
        onUnreachable: mode,
      }),
    );
    return home;
  };

  it('honours onUnreachable from the config file; the option wins over it', async () => {
    const home = withMode('ask');
    const fromFile = await hook(['pre-tool-use'], pre('Bash', { command: 'ls' }), home);
    expect(fromFile.code).toBe(0);
    expect(decision(fromFile).permissionDecision).toBe('ask');
    const option = await hook(
      ['pre-tool-use', '--on-unreachable', 'deny'],
      pre('Bash', { command: 'ls' }),
      home,
    );
    expect(option.code).toBe(2);
  });

  it('blocks when onUnreachable in the config file is not a mode', async () => {
    const r = await hook(['pre-tool-use'], pre('Bash', { command: 'ls' }), withMode('sometimes'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/onUnreachable in .*config\.json must be deny, ask or allow; tool call blocked/);
  });
});

describe('lighthouse hook pre-tool-use when the TCP connection never completes', () => {
  // A listener that never accepts (its process blocks forever once listening),
  // its accept queue filled with idle connections: the kernel then drops
  // further SYNs, so the hook's connect hangs as to a host that has gone away.
  let listener: ReturnType<typeof spawn> | undefined;
  const idle: Socket[] = [];
  let stallHome: string;

  beforeAll(async () => {
    listener = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').createServer();
         s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
           require('node:fs').writeSync(1, s.address().port + '\\n');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const port = await new Promise<number>((resolve, reject) => {
      listener!.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
      listener!.once('exit', (code) => reject(new Error(`stalling listener exited (${code})`)));
    });
    // Connect until two connections in a row do not complete: the queue is then
    // full (Linux queues backlog + 1 connections). A connect merely slow on a
    // loaded machine is not taken for that: each gets a second, and its
    // completion is looked for after the timer too (setImmediate runs after the
    // poll phase that would report it), and one miss alone is not enough.
    let misses = 0;
    while (misses < 2) {
      if (idle.length === 10) throw new Error('could not fill the accept queue of the stalling listener');
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      idle.push(socket);
      const connected = await new Promise<boolean>((r) => {
        socket.once('connect', () => r(true));
        setTimeout(() => setImmediate(() => r(false)), 1_000);
      });
      misses = connected ? 0 : misses + 1;
    }
    stallHome = tempDir('hook-stall-');
    writeClientConfig(`http://127.0.0.1:${port}`, bridge.credential('claude'), {
      XDG_CONFIG_HOME: stallHome,
    });
  }, 30_000);
  afterAll(() => {
    for (const s of idle) s.destroy();
    listener?.kill('SIGKILL');
  });

  it('gives up after the 2 s connect timeout, not the answer timeout: exit 2', async () => {
    const started = Date.now();
    // Without a connect timeout, the 20 s answer timeout would end it, with another reason.
    const r = await hook(['pre-tool-use', '--timeout', '20'], pre('Bash', { command: 'ls' }), stallHome);
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'lighthouse: bridge unreachable (no connection within 2000 ms); tool call blocked\n',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 45_000);
});
