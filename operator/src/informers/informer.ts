// List + watch with a local cache, for one resource type in one namespace (or
// all). The loop never gives up: a failed list or watch is retried with
// exponential backoff, a 410 Gone relists, and a periodic relist catches any
// change a silently lost watch missed. health() feeds /readyz.
import type { KubernetesObject } from '@kubernetes/client-node';

import { KubeApiError, type ListResult, type WatchEvent } from '../kube/rest.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export type Handler<T> = (event: InformerEvent, obj: T) => void;

/** What an informer needs from the API: a list and a watch of one path. */
export interface ListWatchSource<T> {
  list(query: Record<string, string | undefined>): Promise<ListResult<T>>;
  watch(
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (e: WatchEvent<T>) => void,
    options: { signal: AbortSignal; idleMs: number; onOpen: () => void },
  ): Promise<void>;
}

export interface InformerOptions<T> {
  name: string;
  labelSelector?: string;
  /** Drops what the operator never reads (managedFields, Secret data) to keep the cache small. */
  transform?: (obj: T) => T;
  relistIntervalMs?: number;
  /** Items per list request (default 500, as client-go's reflector): bounds what one response holds in memory. */
  listPageSize?: number;
  watchTimeoutSeconds?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export interface InformerHealth {
  name: string;
  healthy: boolean;
  synced: boolean;
  message: string;
}

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
const rv = (o: KubernetesObject | undefined) => o?.metadata?.resourceVersion;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Handler<T>[] = [];
  private readonly abort = new AbortController();
  private resourceVersion: string | undefined;
  private synced = false;
  private failures = 0;
  private lastError = '';
  private lastListAt = 0;
  private loop: Promise<void> | undefined;
  private syncedWaiters: (() => void)[] = [];

  constructor(
    private readonly source: ListWatchSource<T>,
    private readonly options: InformerOptions<T>,
  ) {}

  on(handler: Handler<T>): void {
    this.handlers.push(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get size(): number {
    return this.cache.size;
  }

  /**
   * Records an object the operator just wrote, so the next reconcile compares
   * against it even before the watch delivers it. Older versions never replace newer ones.
   */
  upsert(obj: T): void {
    const current = this.cache.get(keyOf(obj));
    if (current && Number(rv(current)) >= Number(rv(obj))) return;
    this.cache.set(keyOf(obj), this.transform(obj));
  }

  /**
   * The cache already holds a newer copy: one the operator wrote and upserted
   * before the watch (or a list) delivered this older one. Taking the older one
   * would make the next reconcile work from a status it has already replaced.
   */
  private olderThanCached(obj: T): boolean {
    const current = this.cache.get(keyOf(obj));
    return !!current && Number(rv(current)) > Number(rv(obj));
  }

  health(): InformerHealth {
    const healthy = this.synced && this.failures === 0;
    const message = healthy
      ? 'watching'
      : !this.synced
        ? `not synced${this.lastError ? `: ${this.lastError}` : ''}`
        : `watch failing (${this.failures} attempts): ${this.lastError}`;
    return { name: this.options.name, healthy, synced: this.synced, message };
  }

  /** Starts the loop; resolves after the first successful list. */
  start(): Promise<void> {
    this.loop ??= this.run();
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    for (const w of this.syncedWaiters) w();
  }

  private transform(obj: T): T {
    return this.options.transform ? this.options.transform(obj) : obj;
  }

  private emit(event: InformerEvent, obj: T): void {
    for (const h of this.handlers) h(event, obj);
  }

  private backoff(): number {
    const initial = this.options.backoffInitialMs ?? 500;
    const max = this.options.backoffMaxMs ?? 30_000;
    return Math.min(initial * 2 ** Math.max(0, this.failures - 1), max);
  }

  private async run(): Promise<void> {
    const relistMs = this.options.relistIntervalMs ?? 5 * 60_000;
    const timeout = this.options.watchTimeoutSeconds ?? 300;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion || Date.now() - this.lastListAt >= relistMs) await this.relist();
        if (signal.aborted) break;
        const remaining = Math.max(1, Math.ceil((relistMs - (Date.now() - this.lastListAt)) / 1000));
        await this.source.watch(
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            labelSelector: this.options.labelSelector,
            // Randomised so many informers do not reconnect at once; never past the next relist.
            timeoutSeconds: Math.min(remaining, Math.round(timeout * (1 + Math.random()))),
          },
          (e) => this.onWatchEvent(e),
          { signal, idleMs: (timeout * 2 + 30) * 1000, onOpen: () => this.recovered() },
        );
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof KubeApiError && err.status === 410) {
          this.resourceVersion = undefined;
          continue;
        }
        this.failures++;
        this.lastError = err instanceof Error ? err.message : String(err);
        await sleep(this.backoff(), signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const seen = new Set<string>();
    let token: string | undefined;
    let resourceVersion: string | undefined;
    do {
      // An expired continue token is a 410, which run() answers with a fresh relist.
      const page = await this.source.list({
        labelSelector: this.options.labelSelector,
        limit: String(this.options.listPageSize ?? 500),
        continue: token,
      });
      for (const raw of page.items) {
        const obj = this.transform(raw);
        const key = keyOf(obj);
        seen.add(key);
        if (this.olderThanCached(obj)) continue;
        const old = this.cache.get(key);
        this.cache.set(key, obj);
        if (!old) this.emit('add', obj);
        else if (rv(old) !== rv(obj)) this.emit('update', obj);
      }
      resourceVersion = page.metadata.resourceVersion;
      token = page.metadata.continue || undefined;
    } while (token);
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', old);
      }
    }
    this.resourceVersion = resourceVersion;
    this.lastListAt = Date.now();
    this.recovered();
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncedWaiters) w();
      this.syncedWaiters = [];
    }
  }

  /** A list succeeded or a watch stream opened. */
  private recovered(): void {
    this.failures = 0;
    this.lastError = '';
  }

  private onWatchEvent(e: WatchEvent<T>): void {
    if (e.type === 'ERROR') {
      const status = e.object as unknown as { code?: number; message?: string };
      if (status.code === 410) this.resourceVersion = undefined;
      throw new KubeApiError(status.code ?? 500, 'WatchError', status.message ?? 'watch error');
    }
    this.resourceVersion = rv(e.object) ?? this.resourceVersion;
    if (e.type === 'BOOKMARK') return;
    const obj = this.transform(e.object);
    const key = keyOf(obj);
    if (e.type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', obj);
    } else {
      if (this.olderThanCached(obj)) return;
      const existed = this.cache.has(key);
      this.cache.set(key, obj);
      this.emit(existed ? 'update' : 'add', obj);
    }
  }
}
