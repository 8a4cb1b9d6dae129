// The administrator's side of the CLI (`lighthouse agent`, `lighthouse expert`):
// the master key, and calls to the bridge with the admin credential derived from it.
import { existsSync } from 'node:fs';
import { ADMIN_AGENT, deriveAgentKey } from '../auth/credentials.js';
import {
  BridgeClient,
  MalformedAnswerError,
  unreachableCause,
  type BridgeResponse,
} from '../client/bridge-client.js';
import { ConfigError, loadConfig } from '../config/env.js';
import { loadMasterKey } from '../config/master-key.js';
import { isBridgeUrl } from '../hook/client-config.js';
import { loadOrCreateLocalKey, localKeyPath } from './local-key.js';

/** How long an admin command waits for the bridge. */
const TIMEOUT_MS = 10_000;

/** The master key: environment, mounted file, or the local key of `lighthouse run`. */
export function masterKey(): Buffer {
  const env = process.env;
  if (env.LIGHTHOUSE_MASTER_KEY || env.LIGHTHOUSE_MASTER_KEY_FILE) return loadMasterKey(env);
  const dataDir = loadConfig(env).dataDir;
  if (existsSync(localKeyPath(dataDir))) return loadOrCreateLocalKey(dataDir).key;
  // The bridge's own error does not know of `lighthouse run`: say where its key was looked for.
  throw new ConfigError(
    'LIGHTHOUSE_MASTER_KEY',
    `required (or LIGHTHOUSE_MASTER_KEY_FILE), and there is no key of \`lighthouse run\` at ${localKeyPath(dataDir)}: ` +
      'run this where `lighthouse run` runs, or set LIGHTHOUSE_DATA_DIR to its data directory',
  );
}

/**
 * `call` against the bridge at LIGHTHOUSE_URL as the administrator. Undefined,
 * after one line on stderr naming `command`, when the bridge cannot be reached.
 */
export async function asAdmin<T>(
  command: string,
  master: Buffer,
  call: (client: BridgeClient) => Promise<BridgeResponse<T>>,
): Promise<BridgeResponse<T> | undefined> {
  const url = process.env.LIGHTHOUSE_URL || 'http://127.0.0.1:8765';
  if (!isBridgeUrl(url)) throw new ConfigError('LIGHTHOUSE_URL', `${url} is not an http:// or https:// URL`);
  const client = new BridgeClient({
    url,
    credential: { agentId: ADMIN_AGENT, key: deriveAgentKey(master, ADMIN_AGENT) },
    timeoutMs: TIMEOUT_MS,
  });
  try {
    return await call(client);
  } catch (err) {
    if (err instanceof MalformedAnswerError) {
      process.stderr.write(`lighthouse ${command}: ${err.message}\n`);
      return undefined;
    }
    const cause = unreachableCause(err, TIMEOUT_MS);
    if (cause === undefined) throw err;
    process.stderr.write(`lighthouse ${command}: bridge unreachable at ${url} (${cause})\n`);
    return undefined;
  }
}
