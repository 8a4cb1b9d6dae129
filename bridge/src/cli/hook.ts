// `lighthouse hook …`: Claude Code's command hooks (pre-tool-use, post-tool-use)
// and `install`, which wires them into Claude Code's settings.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CredentialFormatError, parseCredential } from '../auth/credentials.js';
import { signedHeaders } from '../client/signed-headers.js';
import {
  configDir,
  isBridgeUrl,
  resolveClient,
  writeClientConfig,
  ClientConfigError,
} from '../hook/client-config.js';
import type { HookResult, UnreachableMode } from '../hook/protocol.js';
import { postToolUse, preToolUse, type Post } from '../hook/run.js';
import { SettingsError } from '../hook/settings.js';
import { isUsageError, usageLine } from './args.js';
import { postJson } from '../hook/transport.js';

const usage = `usage: lighthouse hook <command> [options]

commands:
  pre-tool-use    read a PreToolUse hook call on stdin, ask the bridge, print the decision
  post-tool-use   read a PostToolUse hook call on stdin; report Write/Edit/MultiEdit file changes
  install         add both hooks to Claude Code's settings (merging, with a backup)

pre-tool-use options:
  --on-unreachable deny|ask|allow   when the bridge cannot be reached (default: deny = exit 2)
  --timeout <seconds>               how long to wait for a decision (default 110; escalations wait)
post-tool-use options:
  --project-dir <dir>               project root (default: $CLAUDE_PROJECT_DIR, else the hook's cwd)
install options:
  --project | --user                .claude/settings.json here (default) or ~/.claude/settings.json
  --project-dir <dir>               project for --project (default: current directory)
  --url <url> --credential-file <f> also write the CLI config (~/.config/lighthouse/config.json)
  --json                            print the result as JSON

The bridge URL and credential come from LIGHTHOUSE_URL / LIGHTHOUSE_CREDENTIAL(_FILE)
or the config file written by \`lighthouse run\` or \`hook install\`.
`;

// Claude Code starts this for every tool call. An ESM import of node:util or
// node:fs evaluates every export of the module (about 10 and 6 ms here), so
// those two come from getBuiltinModule, and `install` is loaded only when run.
const { parseArgs } = process.getBuiltinModule('node:util');
const { readFileSync } = process.getBuiltinModule('node:fs');

const CONNECT_TIMEOUT_MS = 2000;
/** setTimeout's limit (2^31 - 1 ms): a longer wait would fire at once. */
const MAX_TIMEOUT_SECONDS = 2_147_483;
const MODES = ['deny', 'ask', 'allow'];

function emit(r: HookResult): number {
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.exitCode;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024 * 1024) throw new Error('hook input larger than 16 MiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function poster(responseTimeoutMs: number): { post: Post; onUnreachable?: UnreachableMode } {
  const client = resolveClient();
  const credential = parseCredential(client.credential);
  const post: Post = (p, body) =>
    postJson(
      {
        url: client.url,
        sign: (method, target, payload) => signedHeaders(credential, method, target, payload),
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        responseTimeoutMs,
      },
      p,
      body,
    );
  return { post, onUnreachable: client.onUnreachable };
}

async function pre(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'on-unreachable': { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return (process.stdout.write(usage), 0);
  const mode = values['on-unreachable'];
  if (mode !== undefined && !MODES.includes(mode)) {
    process.stderr.write(`lighthouse hook: --on-unreachable must be deny, ask or allow\n`);
    return 2;
  }
  const timeout = Number(values.timeout ?? 110);
  if (!(timeout > 0 && timeout <= MAX_TIMEOUT_SECONDS))
    return (
      process.stderr.write(
        `lighthouse hook: --timeout must be a positive number of seconds, at most ${MAX_TIMEOUT_SECONDS}\n`,
      ),
      2
    );
  const stdin = await readStdin();
  let client;
  try {
    client = poster(timeout * 1000);
  } catch (err) {
    // No usable configuration: nothing can decide, so the tool call is blocked.
    process.stderr.write(`lighthouse: ${(err as Error).message}; tool call blocked\n`);
    return 2;
  }
  const onUnreachable = (mode ?? client.onUnreachable ?? 'deny') as UnreachableMode;
  return emit(await preToolUse(stdin, client.post, onUnreachable));
}

async function post(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'project-dir': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return (process.stdout.write(usage), 0);
  const stdin = await readStdin();
  let client;
  try {
    client = poster(30_000);
  } catch (err) {
    process.stderr.write(`lighthouse: ${(err as Error).message}\n`);
    return 1;
  }
  return emit(await postToolUse(stdin, client.post, values['project-dir'] ?? process.env.CLAUDE_PROJECT_DIR));
}

async function install(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      project: { type: 'boolean' },
      user: { type: 'boolean' },
      'project-dir': { type: 'string' },
      url: { type: 'string' },
      'credential-file': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return (process.stdout.write(usage), 0);
  if (values.project && values.user) throw new ClientConfigError('give --project or --user, not both');
  const file = values['credential-file'];
  if (values.url || file) {
    if (!values.url || !file) throw new ClientConfigError('--url and --credential-file go together');
    if (!isBridgeUrl(values.url))
      throw new ClientConfigError(`--url ${values.url} is not an http:// or https:// URL`);
    let credential: string;
    try {
      credential = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ClientConfigError(
        `cannot read credential file ${file}: ${(err as NodeJS.ErrnoException).code}`,
      );
    }
    try {
      parseCredential(credential);
    } catch (err) {
      if (err instanceof CredentialFormatError)
        throw new ClientConfigError(`credential file ${file}: ${err.message}`);
      throw err;
    }
    writeClientConfig(values.url, credential);
  }
  // The hook must be able to reach a bridge: fail now rather than on every tool call.
  resolveClient();
  const { installHooks } = await import('../hook/install.js');
  const result = installHooks({
    scope: values.user ? 'user' : 'project',
    projectDir: path.resolve(values['project-dir'] ?? process.cwd()),
    launcherPath: path.join(configDir(), 'bin', 'lighthouse'),
    entry: fileURLToPath(new URL('../../bin/lighthouse.js', import.meta.url)),
    nodePath: process.execPath,
  });
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        settingsFile: result.settingsFile,
        backupFile: result.backupFile,
        launcher: result.launcher,
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `installed Lighthouse hooks into ${result.settingsFile}\n` +
        (result.backupFile ? `  previous settings saved as ${result.backupFile}\n` : '') +
        `  launcher: ${result.launcher}\n`,
    );
  }
  return 0;
}

export async function hookCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'pre-tool-use':
        return await pre(rest);
      case 'post-tool-use':
        return await post(rest);
      case 'install':
        return await install(rest);
      case undefined:
      case '--help':
      case '-h':
        process.stdout.write(usage);
        return 0;
      default:
        process.stderr.write(`lighthouse hook: unknown command "${sub}"\n${usage}`);
        return 2;
    }
  } catch (err) {
    // A pre-tool-use that cannot run must still block: every error here exits 2.
    if (err instanceof ClientConfigError || err instanceof SettingsError) {
      process.stderr.write(`lighthouse hook: ${err.message}\n`);
      return 2;
    }
    if (isUsageError(err)) {
      process.stderr.write(usageLine('hook', err));
      return 2;
    }
    // Anything else (input too large, an unusable URL, a file that cannot be read):
    // one line, and a pre-tool-use still blocks, since Claude Code runs the tool on exit 1.
    const message = err instanceof Error ? err.message : String(err);
    const blocks = sub === 'pre-tool-use';
    process.stderr.write(`lighthouse hook ${sub}: ${message}${blocks ? '; tool call blocked' : ''}\n`);
    return blocks ? 2 : 1;
  }
}
