// A subscription: catch up from a checkpoint, then follow live, in global order,
// each event once. It polls when woken (NOTIFY from any replica, or a local
// commit) and on a slow timer as a safety net for lost notifications.
import { concerns, type CommitNotice } from './commit-notice.js';
import type { Database } from '../storage/database.js';
import { readAll } from './reads.js';
import type { Checkpoint, StoredEvent, SubscribeOptions, Subscription } from './types.js';
import { START } from './types.js';

export interface SubscriptionSettings {
  batchSize: number;
  pollIntervalMs: number;
  retryDelayMs: number;
}

export async function loadCheckpoint(db: Database, name: string): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<{ txid: string; position: string }>(
    'SELECT txid::text AS txid, position::text AS position FROM subscription_checkpoints WHERE name = $1',
    [name],
  );
  const r = rows[0];
  return r ? { txid: BigInt(r.txid), position: BigInt(r.position) } : undefined;
}

export async function saveCheckpoint(db: Database, name: string, c: Checkpoint): Promise<void> {
  await db.query(
    `INSERT INTO subscription_checkpoints (name, txid, position) VALUES ($1, $2::xid8, $3::bigint)
     ON CONFLICT (name) DO UPDATE SET txid = excluded.txid, position = excluded.position, updated_at = now()`,
    [name, c.txid.toString(), c.position.toString()],
  );
}

export class EventSubscription implements Subscription {
  private current: Checkpoint = START;
  private saved: Checkpoint | undefined;
  private closed = false;
  private woken = false;
  /** The newest wanted commit not yet below the horizon of a poll. */
  private awaited: bigint | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly db: Database,
    private readonly opts: SubscribeOptions,
    private readonly handler: (e: StoredEvent) => Promise<void> | void,
    private readonly settings: SubscriptionSettings,
    private readonly onClose: (s: EventSubscription) => void,
    /** Settles once commit notices reach this subscription (or cannot): polled only after, so none is missed. */
    private readonly listening: Promise<unknown> = Promise.resolve(),
  ) {
    this.done = this.run();
  }

  get checkpoint(): Checkpoint {
    return this.current;
  }

  /** New events may be readable: poll now, unless the commit wrote only types this subscription skips. */
  wake(notice: CommitNotice = {}): void {
    const wanted = concerns(notice, this.opts.types);
    if (wanted && notice.txid !== undefined && (this.awaited === undefined || notice.txid > this.awaited))
      this.awaited = notice.txid;
    // A wanted commit is readable only once every older transaction has ended, so
    // while one is awaited, any commit (which may be that older one) polls again.
    if (!wanted && this.awaited === undefined) return;
    this.woken = true;
    this.wakeUp?.();
  }

  async close(): Promise<void> {
    if (this.closed) return this.done;
    this.closed = true;
    this.wake();
    await this.done;
    this.onClose(this);
  }

  private async start(): Promise<void> {
    const stored = this.opts.name ? await loadCheckpoint(this.db, this.opts.name) : undefined;
    if (stored) this.current = stored;
    else if (this.opts.from === 'end')
      this.current = (await readAll(this.db, { limit: 1, types: [] })).checkpoint;
    else if (this.opts.from && this.opts.from !== 'start') this.current = this.opts.from;
    this.saved = stored;
  }

  private async run(): Promise<void> {
    let started = false;
    while (!this.closed) {
      try {
        if (!started) {
          await this.start();
          await this.listening.catch(() => undefined);
          started = true;
        }
        const full = await this.poll();
        if (full) continue;
        await this.sleep(this.settings.pollIntervalMs);
      } catch (err) {
        this.opts.onError?.(err);
        await this.sleep(this.settings.retryDelayMs);
      }
    }
    if (started) await this.persist().catch((err: unknown) => this.opts.onError?.(err));
  }

  /** Reads and handles one batch; true when the batch was full (more may be waiting). */
  private async poll(): Promise<boolean> {
    this.woken = false;
    const { events, checkpoint } = await readAll(this.db, {
      after: this.current,
      limit: this.settings.batchSize,
      ...(this.opts.types ? { types: this.opts.types } : {}),
      ...(this.opts.streamPrefix !== undefined ? { streamPrefix: this.opts.streamPrefix } : {}),
    });
    for (const e of events) {
      if (this.closed) {
        await this.persist();
        return false;
      }
      await this.handler(e);
      this.current = { txid: e.txid, position: e.position };
    }
    this.current = checkpoint;
    if (this.awaited !== undefined && checkpoint.txid > this.awaited) this.awaited = undefined;
    await this.persist();
    return events.length === this.settings.batchSize;
  }

  private async persist(): Promise<void> {
    const name = this.opts.name;
    if (!name) return;
    const c = this.current;
    if (this.saved && this.saved.txid === c.txid && this.saved.position === c.position) return;
    await saveCheckpoint(this.db, name, c);
    this.saved = c;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
