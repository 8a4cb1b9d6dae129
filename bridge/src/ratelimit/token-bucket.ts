// Per-agent token buckets, one per budget. A budget of N per minute allows a
// burst of N and refills continuously at N/60 per second. Most budgets count
// requests (cost 1); writeBytes counts request body bytes. What other replicas
// spent (told by sharing.ts) drains the same buckets, so a budget holds for the
// whole fleet rather than for each replica.
export type Budget = 'validate' | 'escalations' | 'elicitation' | 'writes' | 'writeBytes';

export interface RateDecision {
  ok: boolean;
  /** Seconds until the cost is available (0 when ok). */
  retryAfterSeconds: number;
  /** The budget that refused (the one with the longest wait). */
  budget?: Budget;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** What one agent spent of one budget. */
export type Spending = readonly [budget: Budget, agentId: string, cost: number];

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Spent here since the last takeSpending(), by bucket key. */
  private spent = new Map<string, number>();

  constructor(
    private readonly perMinute: Record<Budget, number>,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  take(agentId: string, budget: Budget, cost = 1): RateDecision {
    return this.takeAll(agentId, [[budget, cost]]);
  }

  /**
   * Spends every cost, or none when one budget lacks it: a request refused by one
   * budget does not also drain the others. A cost above a whole budget waits for a
   * full bucket (it could never be paid otherwise).
   */
  takeAll(agentId: string, costs: readonly (readonly [Budget, number])[]): RateDecision {
    const now = this.nowMs();
    // Before taking buckets: an eviction must not drop one this call is about to spend from.
    if (this.buckets.size >= 100_000) this.evictFull(now);
    const due = costs.map(([budget, cost]) => {
      const b = this.refilled(agentId, budget, now);
      return { budget, b, cost: Math.min(cost, this.perMinute[budget]) };
    });
    let refused: RateDecision | undefined;
    for (const { budget, b, cost } of due) {
      if (b.tokens >= cost) continue;
      const ratePerMs = this.perMinute[budget] / 60_000;
      const retryAfterSeconds = Math.max(1, Math.ceil((cost - b.tokens) / ratePerMs / 1000));
      if (!refused || retryAfterSeconds > refused.retryAfterSeconds)
        refused = { ok: false, retryAfterSeconds, budget };
    }
    if (refused) return refused;
    for (const { budget, b, cost } of due) {
      b.tokens -= cost;
      const key = keyOf(agentId, budget);
      this.spent.set(key, (this.spent.get(key) ?? 0) + cost);
    }
    return { ok: true, retryAfterSeconds: 0 };
  }

  /**
   * Drains what another replica let the agent spend. A bucket may go into debt,
   * down to one whole budget below empty: an agent that spread a burst over
   * several replicas at once waits until the fleet's spending is back within it
   * (at most one more minute).
   */
  spentElsewhere(agentId: string, budget: Budget, cost: number): void {
    if (!Object.hasOwn(this.perMinute, budget) || !(cost > 0 && Number.isFinite(cost))) return;
    const b = this.refilled(agentId, budget, this.nowMs());
    b.tokens = Math.max(-this.perMinute[budget], b.tokens - cost);
  }

  /** What was spent here since the last call, for the other replicas. */
  takeSpending(): Spending[] {
    const out: Spending[] = [];
    for (const [key, cost] of this.spent) {
      const cut = key.indexOf('\u0000');
      out.push([key.slice(0, cut) as Budget, key.slice(cut + 1), cost]);
    }
    this.spent = new Map();
    return out;
  }

  private refilled(agentId: string, budget: Budget, now: number): Bucket {
    const capacity = this.perMinute[budget];
    const key = keyOf(agentId, budget);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: capacity, updatedMs: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(capacity, b.tokens + (now - b.updatedMs) * (capacity / 60_000));
    b.updatedMs = now;
    return b;
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

const keyOf = (agentId: string, budget: Budget) => `${budget}\u0000${agentId}`;
