// Where the CLI finds the bridge and its credential: a JSON config file
// (written by `lighthouse run` or `lighthouse hook install`), overridable by
// environment variables. The credential itself lives in its own 0600 file.
import { homedir } from 'node:os';
import path from 'node:path';
import type { UnreachableMode } from './protocol.js';

// Read by the hook on every tool call: see cli/hook.ts for why not `import`.
const { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } = process.getBuiltinModule('node:fs');

export interface ClientConfig {
  url: string;
  credentialFile: string;
  onUnreachable?: UnreachableMode;
}

export class ClientConfigError extends Error {
  override name = 'ClientConfigError';
}

type Env = Record<string, string | undefined>;

export function configDir(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'lighthouse');
}

export function configPath(env: Env = process.env): string {
  return env.LIGHTHOUSE_CONFIG || path.join(configDir(env), 'config.json');
}

/**
 * Whether `url` can reach a bridge: the hook's request to anything else fails
 * before it is sent, on every tool call (say `localhost:8765`, a URL of scheme `localhost:`).
 */
export function isBridgeUrl(url: string): boolean {
  const protocol = URL.parse(url)?.protocol;
  return protocol === 'http:' || protocol === 'https:';
}

export interface ResolvedClient {
  url: string;
  credential: string;
  onUnreachable?: UnreachableMode;
  source: string;
}

/** The bridge URL and credential text, from the environment first, then the config file. */
export function resolveClient(env: Env = process.env): ResolvedClient {
  const file = configPath(env);
  let fromFile: Partial<ClientConfig> = {};
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClientConfig>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ClientConfigError(`cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const url = env.LIGHTHOUSE_URL || fromFile.url;
  if (!url) {
    throw new ClientConfigError(
      `no bridge URL: set LIGHTHOUSE_URL or run \`lighthouse run\` / \`lighthouse hook install\` (config: ${file})`,
    );
  }
  if (!isBridgeUrl(url)) {
    const from = env.LIGHTHOUSE_URL ? 'LIGHTHOUSE_URL' : file;
    throw new ClientConfigError(`bridge URL ${url} (${from}) is not an http:// or https:// URL`);
  }
  let credential = env.LIGHTHOUSE_CREDENTIAL;
  if (!credential) {
    const credentialFile = env.LIGHTHOUSE_CREDENTIAL_FILE || fromFile.credentialFile;
    if (!credentialFile) {
      throw new ClientConfigError(
        `no credential: set LIGHTHOUSE_CREDENTIAL_FILE or credentialFile in ${file}`,
      );
    }
    try {
      credential = readFileSync(credentialFile, 'utf8').trim();
    } catch (err) {
      throw new ClientConfigError(
        `cannot read credential file ${credentialFile}: ${(err as NodeJS.ErrnoException).code}`,
      );
    }
  }
  const onUnreachable = fromFile.onUnreachable;
  // Anything but these three would reach Claude Code as an unknown decision, not a block.
  if (onUnreachable !== undefined && !['deny', 'ask', 'allow'].includes(onUnreachable)) {
    throw new ClientConfigError(`onUnreachable in ${file} must be deny, ask or allow`);
  }
  return { url, credential, onUnreachable, source: file };
}

/** Writes a file readable only by its owner, atomically. */
export function writePrivateFile(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** What the user set in the config file: each `lighthouse run` rewrites the file, and must not reset it. */
function userSettings(file: string): Pick<ClientConfig, 'onUnreachable'> {
  try {
    const { onUnreachable } = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClientConfig>;
    return onUnreachable === undefined ? {} : { onUnreachable };
  } catch {
    return {}; // no file yet, or not one we can read: replaced whole
  }
}

/** Stores the credential in its own file and points the config at it. */
export function writeClientConfig(url: string, credential: string, env: Env = process.env): ClientConfig {
  const dir = configDir(env);
  const credentialFile = path.join(dir, 'credential');
  writePrivateFile(credentialFile, `${credential}\n`);
  const config: ClientConfig = { url, credentialFile, ...userSettings(configPath(env)) };
  writePrivateFile(configPath(env), JSON.stringify(config, null, 2) + '\n');
  return config;
}
