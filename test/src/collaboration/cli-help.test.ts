// `--help` on every `lighthouse` command and subcommand, as built: usage on
// stdout, exit 0, and nothing started (a command that starts a bridge or a
// server instead would not exit, which the time limit below turns into a
// failure). Also the exit 2 of an unknown command or option.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRun, type Run } from '../processes/child.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'bridge', 'bin', 'lighthouse.js');
const work = mkdtempSync(path.join(tmpdir(), 'cli-help-'));
// Node's compile cache goes elsewhere, so `work` stays empty unless a command writes there.
const cache = mkdtempSync(path.join(tmpdir(), 'cli-help-cache-'));
/** Much longer than a Node start on a slow machine; a started server never exits. */
const EXIT_WITHIN_MS = 20_000;

beforeAll(() => {
  if (!existsSync(path.join(repo, 'bridge', 'dist', 'cli', 'main.js'))) {
    throw new Error('bridge/dist is missing: build first (make test builds; or npx tsc -b bridge)');
  }
});
afterAll(() => {
  for (const d of [work, cache]) rmSync(d, { recursive: true, force: true });
});

/** `lighthouse <args>` in an empty directory with no configuration; rejects if it does not exit in time. */
async function lighthouse(args: string[]): Promise<Run> {
  const started = startRun(process.execPath, [cli, ...args], {
    cwd: work,
    // Nothing to connect to: no URL, credential nor master key, and an empty home.
    // stdin stays open, as in a terminal: `mcp serve` would wait on it.
    env: { PATH: '/usr/bin:/bin', HOME: work, XDG_CONFIG_HOME: work, XDG_CACHE_HOME: cache },
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      started.child.kill('SIGKILL');
      reject(
        new Error(
          `lighthouse ${args.join(' ')} did not exit within ${EXIT_WITHIN_MS} ms: it started something instead of printing help\nstdout: ${started.stdoutSoFar()}`,
        ),
      );
    }, EXIT_WITHIN_MS);
  });
  try {
    return await Promise.race([started.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('lighthouse <command> --help', () => {
  it.each([
    [['--help'], 'lighthouse <command>'],
    [['-h'], 'lighthouse <command>'],
    [['hook', '--help'], 'lighthouse hook'],
    [['hook', 'install', '--help'], 'lighthouse hook'],
    [['hook', 'pre-tool-use', '--help'], 'lighthouse hook'],
    [['hook', 'post-tool-use', '--help'], 'lighthouse hook'],
    [['agent', '--help'], 'lighthouse agent'],
    [['agent', 'issue', '--help'], 'lighthouse agent'],
    [['agent', 'revoke', '--help'], 'lighthouse agent'],
    [['expert', '--help'], 'lighthouse expert'],
    [['expert', 'grant', '--help'], 'lighthouse expert'],
    [['expert', 'revoke', '--help'], 'lighthouse expert'],
    [['run', '--help'], 'lighthouse run'],
    [['serve', '--help'], 'lighthouse serve'],
    [['mcp', '--help'], 'lighthouse mcp'],
    [['mcp', 'install', '--help'], 'lighthouse mcp'],
    [['mcp', 'serve', '--help'], 'lighthouse mcp'],
    [['fuse', '--help'], 'lighthouse fuse'],
    [['status', '--help'], 'lighthouse status'],
    [['elicit', '--help'], 'lighthouse elicit'],
    [['elicit', 'ask', '--help'], 'lighthouse elicit'],
    [['flags', '--help'], 'lighthouse flags'],
    [['flags', 'kill', '--help'], 'lighthouse flags'],
    [['events', '--help'], 'lighthouse events'],
    [['events', 'tail', '--help'], 'lighthouse events'],
  ])('%j prints the usage of %s and exits 0', async (args, command) => {
    const r = await lighthouse(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`usage: ${command}`)).toBe(true);
    // Neither `run` (key, data directory) nor `hook install` (config, launcher) wrote anything.
    expect(readdirSync(work)).toEqual([]);
  });

  it('the top-level usage names every command', async () => {
    const { stdout } = await lighthouse(['--help']);
    for (const command of [
      'run',
      'serve',
      'agent',
      'expert',
      'hook',
      'elicit',
      'flags',
      'status',
      'events',
      'fuse',
      'mcp',
    ])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [['frobnicate'], /^lighthouse: unknown command "frobnicate"\n/],
    [['run', '--bogus'], /^lighthouse run: Unknown option '--bogus'.* \(see --help\)\n$/],
    [['run', 'extra'], /^lighthouse run: Unexpected argument 'extra'.* \(see --help\)\n$/],
    [['run', '--fuse'], /^lighthouse run: Option '--fuse <value>' argument missing \(see --help\)\n$/],
    [['serve', '--port', '1'], /^lighthouse serve: Unknown option '--port'.* \(see --help\)\n$/],
    [['agent', 'issue'], /^lighthouse agent: expected issue\|revoke <agent-id> \(see --help\)\n$/],
    [['agent', 'revoke', 'a', 'b'], /^lighthouse agent: expected issue\|revoke <agent-id> \(see --help\)\n$/],
    [['agent', 'issue', 'a', '--force'], /^lighthouse agent: Unknown option '--force'.* \(see --help\)\n$/],
    [
      ['expert', 'grant', 'a'],
      /^lighthouse expert: expected grant <agent-id> <capability>\.\.\., revoke <agent-id> or list \(see --help\)\n$/,
    ],
    [['expert', 'revoke', 'a', 'privileged'], /^lighthouse expert: expected grant .* \(see --help\)\n$/],
    [['expert', 'list', 'a'], /^lighthouse expert: list takes no arguments \(see --help\)\n$/],
    [
      ['expert', 'grant', 'a', 'no spaces'],
      /^lighthouse expert: not a capability: no spaces .*\(see --help\)\n$/,
    ],
    [['expert', 'grant', 'a.b', '*'], /^lighthouse expert: "a\.b" is not a valid agent id \(see --help\)\n$/],
    [
      ['expert', 'revoke', 'a', '--force'],
      /^lighthouse expert: Unknown option '--force'.* \(see --help\)\n$/,
    ],
    [['expert', 'grant', 'a', 'vcs'], /^lighthouse expert: LIGHTHOUSE_MASTER_KEY: required/],
    [['mcp', 'serve', '--port'], /^lighthouse mcp: Unknown option '--port'.* \(see --help\)\n$/],
    [['hook', 'install', '--bogus'], /^lighthouse hook: Unknown option '--bogus'.* \(see --help\)\n$/],
  ])('%j', async (args, message) => {
    const r = await lighthouse(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(readdirSync(work)).toEqual([]);
  });
});
