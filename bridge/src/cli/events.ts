// `lighthouse events tail`: follow the bridge's event stream (SSE), resumable.
import { parseArgs } from 'node:util';
import { bridgeResponse, unreachableCause } from '../client/bridge-client.js';
import { CommandError, connect, refusal } from './connect.js';

const usage = `usage: lighthouse events tail [--types A,B] [--stream-prefix p] [--after <checkpoint>] [--json]

Prints events as they are appended (one line each; --json: one JSON object per line).
Stops on Ctrl-C; resume with --after <the last checkpoint printed>.
`;

export async function eventsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      types: { type: 'string' },
      'stream-prefix': { type: 'string' },
      after: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || positionals[0] === undefined) return (process.stdout.write(usage), 0);
  if (positionals[0] !== 'tail') throw new CommandError(`unknown command "${positionals[0]}"\n${usage}`, 2);
  const q = new URLSearchParams();
  if (values.types) q.set('types', values.types);
  if (values['stream-prefix']) q.set('streamPrefix', values['stream-prefix']);
  if (values.after) q.set('after', values.after);
  const client = connect();
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const res = await client.fetch('GET', `/v1/events/stream${q.size ? `?${q}` : ''}`, undefined, abort.signal);
  if (!res.ok || !res.body) throw new CommandError(refusal(await bridgeResponse(res)));
  const decoder = new TextDecoder();
  let buffer = '';
  let last: string | undefined;
  let failure: unknown;
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (!data) continue;
        const e = JSON.parse(data) as {
          checkpoint: string;
          stream: string;
          version: number;
          type: string;
          createdAt: string;
        };
        process.stdout.write(
          values.json
            ? data + '\n'
            : `${e.createdAt}  ${e.checkpoint}  ${e.stream}@${e.version}  ${e.type}\n`,
        );
        last = e.checkpoint;
      }
    }
  } catch (err) {
    failure = err;
  }
  if (abort.signal.aborted) return 0;
  // Only Ctrl-C ends a tail cleanly: a stream the bridge closed (it stopped, or a
  // proxy cut it) must not look like success to a script reading this output.
  const why = failure === undefined ? 'closed' : `broke (${unreachableCause(failure) ?? String(failure)})`;
  throw new CommandError(`the bridge's event stream ${why}${last ? `; resume with --after ${last}` : ''}`);
}
