// A small client for the bridge API that signs every request. The CLI, the
// tests, the benchmarks and the FUSE sidecar all talk to the bridge through it.
import { parseCredential, type Credential } from '../auth/credentials.js';
import { signedHeaders } from './signed-headers.js';

export interface BridgeResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface BridgeClientOptions {
  /** e.g. http://127.0.0.1:8765, or https://proxy.example/lighthouse for a bridge at a sub-path. */
  url: string;
  /** `lh1.<agent>.<key>` or an already parsed credential. */
  credential: string | Credential;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export class BridgeClient {
  readonly credential: Credential;
  private readonly timeoutMs: number;
  private readonly base: string;

  constructor(opts: BridgeClientOptions) {
    this.credential =
      typeof opts.credential === 'string' ? parseCredential(opts.credential) : opts.credential;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.base = opts.url;
  }

  get agentId(): string {
    return this.credential.agentId;
  }

  /** Sends a signed request; JSON bodies are parsed, anything else is returned as text. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<BridgeResponse<T>> {
    return bridgeResponse<T>(await this.fetch(method, path, body, signal));
  }

  /** Where `path` is: under the base URL's path too, for a bridge a proxy serves at a sub-path. */
  url(path: string): string {
    return underBase(this.base, path);
  }

  /**
   * The raw fetch Response (for streams such as SSE). The signature covers `path`
   * without the base URL's path: the path the bridge receives from a proxy that strips it.
   */
  async fetch(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = signedHeaders(this.credential, method, path, payload);
    if (payload) headers['content-type'] = 'application/json';
    return fetch(this.url(path), {
      method,
      headers,
      body: payload || undefined,
      signal: signal ?? AbortSignal.timeout(this.timeoutMs),
    });
  }

  get<T = unknown>(path: string): Promise<BridgeResponse<T>> {
    return this.request<T>('GET', path);
  }

  post<T = unknown>(path: string, body: unknown): Promise<BridgeResponse<T>> {
    return this.request<T>('POST', path, body);
  }
}

/** `path` under the base URL's own path: `https://gw/lighthouse/` and `/v1/x` give `https://gw/lighthouse/v1/x`. */
export function underBase(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** An answer that says it is JSON and is not (cut short by a proxy, say). */
export class MalformedAnswerError extends Error {
  override name = 'MalformedAnswerError';
}

/** A fetch Response read whole: JSON bodies parsed, anything else as text. */
export async function bridgeResponse<T = unknown>(res: Response): Promise<BridgeResponse<T>> {
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('application/json');
  let body: unknown = text;
  if (isJson && text) {
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new MalformedAnswerError(
        `bridge answered ${res.status} with JSON that does not parse (${text.length} characters: ${(err as Error).message})`,
      );
    }
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/**
 * Why a request got no answer — the socket error fetch wraps in a TypeError, or
 * its timeout — or undefined when it failed some other way.
 */
export function unreachableCause(err: unknown, timeoutMs?: number): string | undefined {
  // By name, not instanceof: fetch's errors may come from another realm (a vm context).
  const e = err as { name?: unknown; cause?: NodeJS.ErrnoException } | null;
  if (e?.name === 'TimeoutError')
    return timeoutMs ? `no answer within ${timeoutMs / 1000} s` : 'no answer in time';
  const cause = e?.name === 'TypeError' ? e.cause : undefined;
  return cause ? (cause.code ?? cause.message) : undefined;
}
