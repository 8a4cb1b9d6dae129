// Keeps the cache fresh from the bridge's event stream (SSE). After a lost
// connection it reconnects with backoff and resumes after the last checkpoint
// it applied, so nothing in the gap is missed and nothing is reloaded.
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

  /** Resolves once the cache is loaded and the first connection is open. */
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

  /**
   * The event store's current head for our types: a query for events from a
   * future time finds none and answers with the checkpoint it reached.
   */
  private async head(signal: AbortSignal): Promise<string> {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const res = await this.client.fetch(
      'GET',
      `/v1/events?types=${TYPES}&from=${future}&limit=1`,
      undefined,
      signal,
    );
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /v1/events answered ${res.status}: ${text.slice(0, 200)}`);
    const checkpoint = (JSON.parse(text) as { checkpoint?: unknown }).checkpoint;
    if (typeof checkpoint !== 'string') throw new Error('GET /v1/events answered without a checkpoint');
    return checkpoint;
  }

  private async run(opened: () => void): Promise<void> {
    let delay = this.opts.backoffMs ?? 250;
    const maxDelay = this.opts.maxBackoffMs ?? 5000;
    while (!this.abort.signal.aborted) {
      // One connection per attempt, closed whatever ends the attempt.
      const connection = new AbortController();
      const signal = AbortSignal.any([this.abort.signal, connection.signal]);
      try {
        if (this.checkpoint === undefined) {
          // Head first, then the tree: events in between are replayed by the stream (applying twice is harmless).
          const head = await this.head(signal);
          await this.cache.load();
          this.checkpoint = head;
        }
        const after = encodeURIComponent(this.checkpoint);
        const res = await this.client.fetch(
          'GET',
          `/v1/events/stream?types=${TYPES}&after=${after}`,
          undefined,
          signal,
        );
        if (res.status !== 200 || !res.body) {
          throw new Error(`event stream answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
        }
        this.log.info('event stream connected', { after: this.checkpoint });
        opened();
        delay = this.opts.backoffMs ?? 250;
        await this.consume(res.body, (raw, id) => {
          this.apply(raw);
          if (id) this.checkpoint = id;
        });
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
