// `lighthouse agent issue [--hook]|revoke <id>`: credentials and hook tokens are
// derived from the master key (environment, mounted file, or the local key of
// `lighthouse run`).
import { CredentialFormatError, issueCredential, issueHookToken } from '../auth/credentials.js';
import { ConfigError } from '../config/env.js';
import { asAdmin, masterKey } from './admin.js';
import { commandArgs } from './args.js';
import { refusal } from './connect.js';

const usage = `usage: lighthouse agent issue [--hook] <agent-id> | revoke <agent-id>

  issue <id>         print the credential lh1.<id>.<key> for an agent (admin: needs the master key)
  issue <id> --hook  print instead its hook token lhh1.<id>.<key>, the bearer of the Claude Code
                     HTTP hook (accepted only by that endpoint; revoking the agent revokes it too)
  revoke <id>        revoke an agent on every replica (calls the bridge at LIGHTHOUSE_URL with the admin credential)

The master key comes from LIGHTHOUSE_MASTER_KEY, LIGHTHOUSE_MASTER_KEY_FILE, or the
key \`lighthouse run\` generated next to LIGHTHOUSE_DATA_DIR (default ./.lighthouse/data).
`;

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
    const res = await asAdmin('agent revoke', master, (client) =>
      client.post(`/v1/agents/${encodeURIComponent(id)}/revoke`, {}),
    );
    if (!res) return 1;
    if (res.status !== 200) {
      process.stderr.write(`lighthouse agent revoke: ${refusal(res)}\n`);
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
