// A small Kubernetes REST client over node:https with a keep-alive agent:
// JSON requests, server-side apply, merge patch, and streaming watches.
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';

import type { KubernetesObject } from '@kubernetes/client-node';

import type { ClusterAccess } from './kubeconfig.js';

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (err: unknown) => err instanceof KubeApiError && err.status === 404;
export const isConflict = (err: unknown) => err instanceof KubeApiError && err.status === 409;

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface ListResult<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  /** Abort the request (and a watch stream). */
  signal?: AbortSignal;
}

export class RestClient {
  private readonly server: URL;
  private readonly agent: http.Agent;
  /** Watches hold their connection for minutes: they get their own, unbounded pool. */
  private readonly watchAgent: http.Agent;

  constructor(
    private readonly access: ClusterAccess,
    maxSockets = 32,
  ) {
    this.server = new URL(access.server);
    const tls = {
      ...(access.ca ? { ca: access.ca } : {}),
      ...(access.cert ? { cert: access.cert } : {}),
      ...(access.key ? { key: access.key } : {}),
      rejectUnauthorized: !access.insecureSkipTlsVerify,
    };
    const make = (keepAlive: boolean) =>
      this.server.protocol === 'http:'
        ? new http.Agent({ keepAlive, maxSockets: keepAlive ? maxSockets : Infinity })
        : new https.Agent({ ...tls, keepAlive, maxSockets: keepAlive ? maxSockets : Infinity });
    this.agent = make(true);
    this.watchAgent = make(false);
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  private open(
    method: string,
    path: string,
    options: RequestOptions,
    agent = this.agent,
  ): Promise<http.IncomingMessage> {
    // Keep a path prefix of the server URL (API proxies serve the API below one).
    const url = new URL(this.server.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const token = this.access.token();
    const opts: https.RequestOptions = {
      method,
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    };
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) {
      opts.headers = {
        ...opts.headers,
        'content-type': options.contentType ?? 'application/json',
        'content-length': Buffer.byteLength(body),
      };
    }
    const request = url.protocol === 'http:' ? http.request : https.request;
    return new Promise((resolve, reject) => {
      const req = request(url, { ...opts, agent, signal: options.signal }, resolve);
      req.on('error', reject);
      req.end(body);
    });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status >= 400) throw apiError(method, path, status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  list<T>(path: string, query?: Query): Promise<ListResult<T>> {
    return this.request<ListResult<T>>('GET', path, { query });
  }

  create<T>(path: string, body: T): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  delete(path: string, query?: Query): Promise<unknown> {
    return this.request('DELETE', path, { query });
  }

  /**
   * Server-side apply: we own exactly the fields in `body`; force (the default)
   * takes them back from others, without it a field another manager set to a
   * different value is a 409 conflict.
   */
  apply<T extends KubernetesObject>(path: string, body: T, fieldManager: string, force = true): Promise<T> {
    return this.request<T>('PATCH', path, {
      query: { fieldManager, force },
      body,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** JSON merge patch: maps merge, lists are replaced by ours. */
  mergePatch<T extends KubernetesObject>(path: string, body: T, fieldManager: string): Promise<T> {
    return this.request<T>('PATCH', path, {
      query: { fieldManager },
      body,
      contentType: 'application/merge-patch+json',
    });
  }

  /**
   * Streams watch events until the server closes the stream (resolves) or it
   * fails (rejects). An idle stream longer than `idleMs` counts as failed, so a
   * silently dead connection never looks like a live watch.
   */
  async watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    { signal, idleMs, onOpen }: { signal: AbortSignal; idleMs: number; onOpen?: () => void },
  ): Promise<void> {
    const res = await this.open('GET', path, { query: { ...query, watch: true }, signal }, this.watchAgent);
    try {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        throw apiError('WATCH', path, status, Buffer.concat(chunks).toString('utf8'));
      }
      onOpen?.();
      res.socket.setTimeout(idleMs, () => res.destroy(new Error(`watch ${path} idle for ${idleMs} ms`)));
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.trim()) onEvent(JSON.parse(line) as WatchEvent<T>);
      }
      if (!res.complete) throw new Error(`watch ${path} ended early`);
    } finally {
      res.destroy();
    }
  }
}

function apiError(method: string, path: string, status: number, text: string): KubeApiError {
  let reason = 'Unknown';
  let message = text.slice(0, 500);
  try {
    const s = JSON.parse(text) as { reason?: string; message?: string };
    reason = s.reason ?? reason;
    message = s.message ?? message;
  } catch {
    // not a Status object
  }
  return new KubeApiError(status, reason, `${method} ${path}: ${status} ${reason}: ${message}`);
}
