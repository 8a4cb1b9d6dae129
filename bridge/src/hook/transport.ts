// One signed JSON POST to the bridge over node:http(s), with a connect timeout
// separate from the answer timeout: an unreachable bridge must fail within
// seconds, while a decision escalated to an expert may take minutes.
// The modules come from process.getBuiltinModule, not `import`: importing
// node:http as ESM evaluates every export, and its WebSocket getters load
// undici (about 20 ms of the hook's start, which Claude Code pays per call).
import { underBase } from '../client/bridge-client.js';

export interface PostResult {
  status: number;
  body: unknown;
}

export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

export type HeaderSigner = (method: string, path: string, body: string) => Record<string, string>;

export interface PostOptions {
  url: string;
  sign: HeaderSigner;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
}

export function postJson(opts: PostOptions, pathname: string, payload: unknown): Promise<PostResult> {
  const body = JSON.stringify(payload);
  // Under the base URL's path, and signed without it, as BridgeClient does: a proxy
  // serving the bridge at a sub-path strips it, and the bridge checks the path it receives.
  const target = new URL(underBase(opts.url, pathname));
  const lib = process.getBuiltinModule(target.protocol === 'https:' ? 'node:https' : 'node:http');
  return new Promise((resolve, reject) => {
    const req = lib.request(target, {
      method: 'POST',
      headers: {
        ...opts.sign('POST', pathname, body),
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    const fail = (message: string) => {
      req.destroy();
      reject(new UnreachableError(message));
    };
    const connectTimer = setTimeout(
      () => fail(`no connection within ${opts.connectTimeoutMs} ms`),
      opts.connectTimeoutMs,
    );
    const answerTimer = setTimeout(
      () => fail(`no answer within ${opts.responseTimeoutMs} ms`),
      opts.responseTimeoutMs,
    );
    const done = () => {
      clearTimeout(connectTimer);
      clearTimeout(answerTimer);
    };
    req.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(new UnreachableError(err.code ?? err.message));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => {
        done();
        reject(new UnreachableError(err.message));
      });
      res.on('end', () => {
        done();
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          // Not JSON: keep the text for the error message.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.end(body);
  });
}
