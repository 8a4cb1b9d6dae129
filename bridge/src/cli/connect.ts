// The signed client the people-facing commands use, configured like the hook:
// environment first, then ~/.config/lighthouse/config.json.
import { BridgeClient, type BridgeResponse } from '../client/bridge-client.js';
import { resolveClient } from '../hook/client-config.js';

export function connect(timeoutMs = 30_000): BridgeClient {
  const c = resolveClient();
  return new BridgeClient({ url: c.url, credential: c.credential, timeoutMs });
}

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A refused request in one line: the status, and the bridge's error code and message. */
export function refusal(res: BridgeResponse<unknown>): string {
  const err = (res.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof err?.message === 'string') return `bridge answered ${res.status} ${err.code}: ${err.message}`;
  // Not the bridge's error (a proxy's page, say, for a wrong URL): its body would flood the terminal.
  const type = res.headers.get('content-type')?.split(';')[0] || 'no content type';
  return `bridge answered ${res.status} without a Lighthouse error (${type}): check the bridge URL`;
}

/** The body of a successful answer, or a CommandError carrying the bridge's error code and message. */
export function expectOk<T>(res: BridgeResponse<unknown>, ...ok: number[]): T {
  if ((ok.length ? ok : [200]).includes(res.status)) return res.body as T;
  throw new CommandError(refusal(res));
}

export function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(value) + '\n' : text());
}
