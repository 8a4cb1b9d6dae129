// `lighthouse expert grant|revoke <agent-id>|list`: the administrator decides which
// agents may answer other agents' escalations, and for which rule categories.
// Like `lighthouse agent revoke`, it calls the bridge with the admin credential
// derived from the master key.
import { CredentialFormatError, isValidAgentId } from '../auth/credentials.js';
import { ConfigError } from '../config/env.js';
import { CAPABILITY_PATTERN } from '../experts/registry.js';
import { asAdmin, masterKey } from './admin.js';
import { commandArgs } from './args.js';
import { refusal } from './connect.js';

const usage = `usage: lighthouse expert grant <agent-id> <capability>... | revoke <agent-id> | list

  grant <id> <capability>...  let the agent register as an expert for these rule categories
                              (e.g. privileged network; '*' = all, quoted for the shell;
                              risk = risky calls no rule matched); replaces its earlier grant
  revoke <id>                 withdraw the grant on every replica: its registration ends, its
                              escalations go to other experts, its answers are refused
  list                        the agents holding (or having held) a grant: granted, registered
                              and connected, as the bridge answering knows them

The agent then registers within its grant (POST /v1/experts, or the MCP tool
lighthouse_escalations). The commands call the bridge at LIGHTHOUSE_URL (default
http://127.0.0.1:8765) with the admin credential, derived from the master key:
LIGHTHOUSE_MASTER_KEY, LIGHTHOUSE_MASTER_KEY_FILE, or the key \`lighthouse run\`
generated next to LIGHTHOUSE_DATA_DIR (default ./.lighthouse/data).

options: --json (print the bridge's answer as JSON), --help
`;

interface ExpertView {
  expertId: string;
  granted: string[] | null;
  registered: string[] | null;
  connected: boolean;
}

/** One line per expert, columns aligned like kubectl's. */
function table(experts: ExpertView[]): string {
  const list = (c: string[] | null) => (c ? c.join(',') : '-');
  const rows = [
    ['EXPERT', 'GRANTED', 'REGISTERED', 'CONNECTED'],
    ...experts.map((e) => [e.expertId, list(e.granted), list(e.registered), e.connected ? 'yes' : 'no']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('   ')).join('\n') +
    '\n'
  );
}

function usageError(message: string): number {
  process.stderr.write(`lighthouse expert: ${message} (see --help)\n`);
  return 2;
}

export async function expertCommand(args: string[]): Promise<number> {
  const parsed = commandArgs('expert', {
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (!parsed) return 2;
  if (parsed.values.help) return (process.stdout.write(usage), 0);
  const [action, id, ...capabilities] = parsed.positionals;
  if (action === 'list') {
    if (id !== undefined) return usageError('list takes no arguments');
  } else {
    const wellFormed =
      action === 'grant' ? capabilities.length > 0 : action === 'revoke' && capabilities.length === 0;
    if (!id || !wellFormed)
      return usageError('expected grant <agent-id> <capability>..., revoke <agent-id> or list');
    if (!isValidAgentId(id)) return usageError(`"${id}" is not a valid agent id`);
  }
  const bad = capabilities.filter((c) => !CAPABILITY_PATTERN.test(c));
  if (bad.length > 0)
    return usageError(`not a capability: ${bad.join(', ')} (a rule category of [A-Za-z0-9_.-], or '*')`);

  try {
    const path = `/v1/experts/${id}/grant`;
    const res = await asAdmin(`expert ${action}`, masterKey(), (client) =>
      action === 'list'
        ? client.get('/v1/experts')
        : action === 'grant'
          ? client.request('PUT', path, { capabilities })
          : client.request('DELETE', path),
    );
    if (!res) return 1;
    if (res.status !== 200) {
      process.stderr.write(`lighthouse expert ${action}: ${refusal(res)}\n`);
      return 1;
    }
    const body = res.body as { capabilities?: string[]; experts?: ExpertView[] };
    process.stdout.write(
      parsed.values.json
        ? `${JSON.stringify(body)}\n`
        : action === 'list'
          ? table(body.experts ?? [])
          : action === 'grant'
            ? `granted ${id}: ${body.capabilities?.join(' ')}\n`
            : `revoked the expert grant of ${id}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CredentialFormatError) {
      process.stderr.write(`lighthouse expert: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`lighthouse expert: ${(err as Error).message}\n`);
    return 1;
  }
}
