// Per-agent token buckets, one per budget. A budget of N per minute allows a
// burst of N and refills continuously at N/60 per second.
export type Budget = 'validate' | 'escalations' | 'elicitation';

export interface RateDecision {
  ok: boolean;
  /** Seconds until one token is available (0 when ok). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perMinute: Record<Budget, number>,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  take(agentId: string, budget: Budget): RateDecision {
    const capacity = this.perMinute[budget];
    const ratePerMs = capacity / 60_000;
    const key = `${budget}\u0000${agentId}`;
    const now = this.nowMs();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= 100_000) this.evictFull(now);
      b = { tokens: capacity, updatedMs: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(capacity, b.tokens + (now - b.updatedMs) * ratePerMs);
    b.updatedMs = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfterSeconds: 0 };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / ratePerMs / 1000)) };
  }

  /** Buckets that have refilled completely carry no state worth keeping. */
  private evictFull(now: number): void {
    for (const [key, b] of this.buckets) {
      const budget = key.slice(0, key.indexOf('\u0000')) as Budget;
      if (b.tokens + (now - b.updatedMs) * (this.perMinute[budget] / 60_000) >= this.perMinute[budget]) {
        this.buckets.delete(key);
      }
    }
  }
}
