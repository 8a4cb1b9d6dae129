// Rate budgets hold for the fleet, not per replica: each replica tells the
// others what its agents spent, every interval, by NOTIFY, and drains their
// buckets by what it hears. Nothing is added to a request's path; the price is
// a lag of one interval (plus delivery), in which an agent spreading calls over
// N replicas can spend up to N times a burst before every replica knows.
// A notification lost with a connection is spending forgotten: each replica's
// own limit still holds.
import type { Database } from '../storage/index.js';
import type { Budget, RateLimiter, Spending } from './token-bucket.js';

export const SPENDING_CHANNEL = 'lighthouse_spending';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7000;

interface Message {
  /** The replica that spent, so it does not count its own spending twice. */
  r: string;
  s: Spending[];
}

export class SpendingShare {
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  /** The send under way; a tick while one is (a slow or absent database) is skipped, not queued. */
  private sending: Promise<unknown> | undefined;
  /** Whether the last send failed: an outage is reported once, not every tick. */
  private failing = false;

  constructor(
    private readonly db: Database,
    private readonly limiter: RateLimiter,
    /** This replica's id (the bridge's replicaId): what it hears from itself is not counted twice. */
    private readonly replica: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  async start(intervalMs: number): Promise<void> {
    this.unlisten = await this.db.listen(SPENDING_CHANNEL, (payload) => this.receive(payload));
    this.timer = setInterval(() => {
      this.sending ??= this.send()
        .then(
          (sent) => {
            if (sent > 0) this.failing = false;
          },
          (err: unknown) => {
            if (!this.failing) this.onError(err);
            this.failing = true;
          },
        )
        .finally(() => (this.sending = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
    await this.unlisten?.();
  }

  /** Sends what was spent since the last send; returns how many notifications went out. */
  private async send(): Promise<number> {
    const out = payloads(this.replica, this.limiter.takeSpending());
    for (const payload of out) await this.db.notify(SPENDING_CHANNEL, payload);
    return out.length;
  }

  private receive(payload: string): void {
    let message: Message;
    try {
      message = JSON.parse(payload) as Message;
    } catch {
      return; // '' (the connection was re-established) or not ours
    }
    if (message.r === this.replica || !Array.isArray(message.s)) return;
    for (const entry of message.s) {
      if (!Array.isArray(entry)) continue;
      const [budget, agentId, cost] = entry as unknown[];
      if (typeof budget === 'string' && typeof agentId === 'string' && typeof cost === 'number')
        this.limiter.spentElsewhere(agentId, budget as Budget, cost);
    }
  }
}

/** The spending as NOTIFY payloads, each under the size PostgreSQL takes. */
export function payloads(replica: string, spending: Spending[]): string[] {
  const out: string[] = [];
  let batch: Spending[] = [];
  let bytes = 0;
  for (const s of spending) {
    const size = Buffer.byteLength(JSON.stringify(s)) + 1;
    if (batch.length > 0 && bytes + size > MAX_PAYLOAD_BYTES) {
      out.push(JSON.stringify({ r: replica, s: batch }));
      batch = [];
      bytes = 0;
    }
    batch.push(s);
    bytes += size;
  }
  if (batch.length > 0) out.push(JSON.stringify({ r: replica, s: batch }));
  return out;
}
