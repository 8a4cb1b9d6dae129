// Keeps the cache fresh from the bridge's event stream (SSE). After a lost
// connection it reconnects with backoff and resumes after the last checkpoint
// it saw; when it has none, it reloads the tree so nothing in the gap is missed.
import { toProjectEvent, type SignedFetch } from './bridge-api.js';
import type { ProjectCache } from './cache.js';
import { SseParser } from './sse.js';

const TYPES = 'FileChanged,FileDeleted,AnnotationAdded,ContextCreated';

export interface FeedLog {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface FeedOptions {
  /** First reconnect delay; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export class EventFeed {
  /** The last checkpoint applied ("<txid>.<position>"). */
  checkpoint: string | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: SignedFetch,
    private readonly cache: ProjectCache,
    private readonly log: FeedLog,
    private readonly opts: FeedOptions = {},
  ) {}

  /** Resolves once the first connection is open (the cache is loaded before it returns). */
  start(): Promise<void> {
    let opened!: () => void;
    const first = new Promise<void>((resolve) => (opened = resolve));
    this.running = this.run(opened);
    return first;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(opened: () => void): Promise<void> {
    let delay = this.opts.backoffMs ?? 250;
    const maxDelay = this.opts.maxBackoffMs ?? 5000;
    let reload = true;
    while (!this.abort.signal.aborted) {
      // One connection per attempt, closed whatever ends the attempt.
      const connection = new AbortController();
      const signal = AbortSignal.any([this.abort.signal, connection.signal]);
      try {
        const after = this.checkpoint ? `&after=${encodeURIComponent(this.checkpoint)}` : '';
        const res = await this.client.fetch(
          'GET',
          `/v1/events/stream?types=${TYPES}${after}`,
          undefined,
          signal,
        );
        if (res.status !== 200 || !res.body) {
          throw new Error(`event stream answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
        }
        // Subscribed before loading: events during the load are applied after it, none lost.
        const pending: unknown[] = [];
        let loaded = !reload;
        const consume = this.consume(res.body, (raw, id) => {
          if (!loaded) pending.push(raw);
          else this.apply(raw);
          if (id) this.checkpoint = id;
        });
        consume.catch(() => undefined); // awaited below; a failure during the load is not unhandled
        if (reload) {
          await this.cache.load();
          for (const raw of pending.splice(0)) this.apply(raw);
          loaded = true;
          reload = false;
        }
        this.log.info('event stream connected', { after: this.checkpoint ?? null });
        opened();
        delay = this.opts.backoffMs ?? 250;
        await consume;
        if (!this.abort.signal.aborted) this.log.warn('event stream ended; reconnecting', {});
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.log.warn('event stream failed; reconnecting', {
          err: err instanceof Error ? err.message : String(err),
          delayMs: delay,
        });
      } finally {
        connection.abort();
      }
      // Without a checkpoint there is no position to resume from: reload the tree on reconnect.
      if (this.checkpoint === undefined) reload = true;
      await sleep(delay, this.abort.signal);
      delay = Math.min(delay * 2, maxDelay);
    }
  }

  private apply(raw: unknown): void {
    const event = toProjectEvent(raw);
    if (event) this.cache.apply(event);
  }

  private async consume(body: ReadableStream<Uint8Array>, onMessage: (raw: unknown, id?: string) => void) {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of body) {
      for (const m of parser.push(decoder.decode(chunk, { stream: true }))) {
        let raw: unknown;
        try {
          raw = JSON.parse(m.data);
        } catch {
          this.log.warn('event stream sent data that is not JSON', { id: m.id ?? null });
          continue;
        }
        onMessage(raw, m.id);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
