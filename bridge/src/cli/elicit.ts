// `lighthouse elicit …`: ask another agent a typed question, list the ones
// waiting for you, answer, decline or cancel.
import { parseArgs } from 'node:util';
import { CommandError, connect, expectOk, print } from './connect.js';

const usage = `usage: lighthouse elicit <command> [options]

commands:
  ask --to <agent> --message <text> --schema <json> [--timeout <s>] [--wait <s>]
                                   create an elicitation; with --wait, wait for the outcome
  list [--role target|requester] [--status pending|accepted|…]
  show <id> [--wait <s>]           the elicitation (waits for an outcome up to --wait seconds)
  accept <id> --content <json>     answer (content must match the requested schema)
  decline <id>
  cancel <id>                      (requester only)

every command takes --json (machine-readable output) and --help.
`;

type Elicitation = {
  id: string;
  from: string;
  to: string;
  message: string;
  status: string;
  content?: unknown;
};
const line = (e: Elicitation) => `${e.id}  ${e.status.padEnd(9)}  ${e.from} → ${e.to}  ${e.message}\n`;

function json(text: string | undefined, flag: string): unknown {
  if (text === undefined) throw new CommandError(`${flag} is required`, 2);
  try {
    return JSON.parse(text);
  } catch {
    throw new CommandError(`${flag} must be JSON`, 2);
  }
}

/** A --timeout: a bad one would reach the bridge as null and quietly mean its default. */
function seconds(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !(n > 0))
    throw new CommandError('--timeout must be a positive number of seconds', 2);
  return n;
}

export async function elicitCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      message: { type: 'string' },
      schema: { type: 'string' },
      content: { type: 'string' },
      timeout: { type: 'string' },
      wait: { type: 'string' },
      role: { type: 'string' },
      status: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const [sub, id] = positionals;
  if (values.help || sub === undefined) return (process.stdout.write(usage), 0);
  const wait = values.wait === undefined ? 0 : Number(values.wait);
  if (!(wait >= 0 && wait <= 300)) throw new CommandError('--wait must be 0-300 seconds', 2);
  const client = connect((wait + 30) * 1000);
  const needId = () => {
    if (!id) throw new CommandError(`lighthouse elicit ${sub} needs an elicitation id`, 2);
    return encodeURIComponent(id);
  };
  let result: Elicitation;
  switch (sub) {
    case 'ask': {
      if (!values.to || !values.message) throw new CommandError('--to and --message are required', 2);
      const body = {
        to: values.to,
        message: values.message,
        requestedSchema: json(values.schema, '--schema'),
        ...(values.timeout === undefined ? {} : { timeoutSeconds: seconds(values.timeout) }),
      };
      // With --wait, the create itself answers with the outcome (or pending, at the end of the wait).
      result = expectOk<Elicitation>(await client.post(`/v1/elicitations?wait=${wait}`, body), 201);
      break;
    }
    case 'list': {
      const q = new URLSearchParams({
        role: values.role ?? 'target',
        ...(values.status ? { status: values.status } : {}),
      });
      const list = expectOk<{ elicitations: Elicitation[] }>(await client.get(`/v1/elicitations?${q}`));
      print(!!values.json, list, () => list.elicitations.map(line).join('') || 'none\n');
      return 0;
    }
    case 'show':
      result = expectOk(await client.get(`/v1/elicitations/${needId()}?wait=${wait}`));
      break;
    case 'accept':
      result = expectOk(
        await client.post(`/v1/elicitations/${needId()}/accept`, {
          content: json(values.content, '--content'),
        }),
      );
      break;
    case 'decline':
    case 'cancel':
      result = expectOk(await client.post(`/v1/elicitations/${needId()}/${sub}`, {}));
      break;
    default:
      throw new CommandError(`unknown command "${sub}"\n${usage}`, 2);
  }
  print(
    !!values.json,
    result,
    () => line(result) + (result.content ? `  content: ${JSON.stringify(result.content)}\n` : ''),
  );
  return 0;
}
