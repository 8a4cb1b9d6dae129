// `lighthouse agent issue [--hook]|revoke <id>`: credentials and hook tokens are
// derived from the master key (environment, mounted file, or the local key of
// `lighthouse run`).
import { existsSync } from 'node:fs';
import {
  ADMIN_AGENT,
  CredentialFormatError,
  deriveAgentKey,
  issueCredential,
  issueHookToken,
} from '../auth/credentials.js';
import { BridgeClient, unreachableCause } from '../client/bridge-client.js';
import { ConfigError, loadConfig } from '../config/env.js';
import { commandArgs } from './args.js';
import { loadMasterKey } from '../config/master-key.js';
import { loadOrCreateLocalKey, localKeyPath } from './local-key.js';

const usage = `usage: lighthouse agent issue [--hook] <agent-id> | revoke <agent-id>

  issue <id>         print the credential lh1.<id>.<key> for an agent (admin: needs the master key)
  issue <id> --hook  print instead its hook token lhh1.<id>.<key>, the bearer of the Claude Code
                     HTTP hook (accepted only by that endpoint; revoking the agent revokes it too)
  revoke <id>        revoke an agent on every replica (calls the bridge at LIGHTHOUSE_URL with the admin credential)

The master key comes from LIGHTHOUSE_MASTER_KEY, LIGHTHOUSE_MASTER_KEY_FILE, or the
key \`lighthouse run\` generated next to LIGHTHOUSE_DATA_DIR (default ./.lighthouse/data).
`;

/** The master key: environment, mounted file, or the local key of `lighthouse run`. */
export function masterKey(): Buffer {
  const env = process.env;
  if (env.LIGHTHOUSE_MASTER_KEY || env.LIGHTHOUSE_MASTER_KEY_FILE) return loadMasterKey(env);
  const dataDir = loadConfig(env).dataDir;
  if (existsSync(localKeyPath(dataDir))) return loadOrCreateLocalKey(dataDir).key;
  return loadMasterKey(env);
}

/** How long `agent revoke` waits for the bridge. */
const TIMEOUT_MS = 10_000;

export async function agentCommand(args: string[]): Promise<number> {
  const parsed = commandArgs('agent', {
    args,
    allowPositionals: true,
    options: { hook: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (!parsed) return 2;
  if (parsed.values.help) return (process.stdout.write(usage), 0);
  const [action, id, ...extra] = parsed.positionals;
  if ((action !== 'issue' && action !== 'revoke') || !id || extra.length > 0) {
    process.stderr.write('lighthouse agent: expected issue|revoke <agent-id> (see --help)\n');
    return 2;
  }
  if (parsed.values.hook && action !== 'issue') {
    process.stderr.write('lighthouse agent: --hook only goes with issue (see --help)\n');
    return 2;
  }
  try {
    const master = masterKey();
    if (action === 'issue') {
      const issue = parsed.values.hook ? issueHookToken : issueCredential;
      process.stdout.write(`${issue(master, id)}\n`);
      return 0;
    }
    const url = process.env.LIGHTHOUSE_URL || 'http://127.0.0.1:8765';
    const client = new BridgeClient({
      url,
      credential: { agentId: ADMIN_AGENT, key: deriveAgentKey(master, ADMIN_AGENT) },
      timeoutMs: TIMEOUT_MS,
    });
    let res;
    try {
      res = await client.post<{ error?: { code: string; message: string } }>(
        `/v1/agents/${encodeURIComponent(id)}/revoke`,
        {},
      );
    } catch (err) {
      const cause = unreachableCause(err, TIMEOUT_MS);
      if (cause === undefined) throw err;
      process.stderr.write(`lighthouse agent revoke: bridge unreachable at ${url} (${cause})\n`);
      return 1;
    }
    if (res.status !== 200) {
      process.stderr.write(
        `lighthouse agent revoke: ${res.status} ${res.body.error?.code ?? ''} ${res.body.error?.message ?? ''}\n`,
      );
      return 1;
    }
    process.stdout.write(`revoked ${id}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CredentialFormatError) {
      process.stderr.write(`lighthouse agent: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`lighthouse agent: ${(err as Error).message}\n`);
    return 1;
  }
}
