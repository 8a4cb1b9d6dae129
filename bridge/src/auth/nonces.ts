// Nonces are remembered in PostgreSQL so a request replayed against another
// replica is caught too. A nonce only needs remembering while its timestamp is
// still acceptable (±MAX_CLOCK_SKEW_SECONDS); older rows are purged.
import type { Database, Migration } from '../storage/index.js';
import { MAX_CLOCK_SKEW_SECONDS } from './signature.js';

export const nonceMigrations: Migration[] = [
  {
    id: '0100_auth_nonces',
    sql: `
      CREATE TABLE IF NOT EXISTS auth_nonces (
        agent_id text NOT NULL,
        nonce text NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (agent_id, nonce)
      );
      CREATE INDEX IF NOT EXISTS auth_nonces_seen_at ON auth_nonces (seen_at);
    `,
  },
];

const RETENTION_SECONDS = 2 * MAX_CLOCK_SKEW_SECONDS + 60;

/**
 * Inserts a batch of nonces and returns the new ones. Its commit does not wait
 * for the WAL flush (synchronous_commit off for this statement's transaction
 * only): other replicas see the rows at once, and WAL is flushed in order, so
 * the durable commit of whatever the request then writes (a decision, an
 * event) makes its nonce durable too. Only a request that writes nothing can
 * lose its nonce, and only if PostgreSQL crashes within about three
 * wal_writer_delay periods after it. The flush wait was about 4 of 14 ms of a
 * light-load validate call here.
 */
export const REMEMBER_NONCES = `
  INSERT INTO auth_nonces (agent_id, nonce)
  SELECT u.agent_id, u.nonce
  FROM unnest($1::text[], $2::text[]) AS u(agent_id, nonce)
  CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
  ON CONFLICT DO NOTHING RETURNING agent_id, nonce`;

interface Pending {
  agentId: string;
  nonce: string;
  resolve: (fresh: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Nonces are checked in batches, like the event store's group commit: requests
 * arriving while one INSERT is in flight share the next one, so a burst costs
 * one durable commit instead of one per request.
 */
export class NonceStore {
  private purger: NodeJS.Timeout | undefined;
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly db: Database) {}

  /** True when the nonce is new for this agent (and is now remembered); false when it was seen before. */
  remember(agentId: string, nonce: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ agentId, nonce, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      // The same nonce twice in one batch: only the first can be fresh.
      const first = new Map<string, Pending>();
      const repeats: Pending[] = [];
      for (const p of batch) {
        const key = `${p.agentId}\u0000${p.nonce}`;
        if (first.has(key)) repeats.push(p);
        else first.set(key, p);
      }
      for (const p of repeats) p.resolve(false);
      const unique = [...first.values()];
      try {
        const r = await this.db.query<{ agent_id: string; nonce: string }>(REMEMBER_NONCES, [
          unique.map((p) => p.agentId),
          unique.map((p) => p.nonce),
        ]);
        const inserted = new Set(r.rows.map((row) => `${row.agent_id}\u0000${row.nonce}`));
        for (const [key, p] of first) p.resolve(inserted.has(key));
      } catch (err) {
        for (const p of unique) p.reject(err);
      }
    }
    this.flushing = false;
  }

  async purge(): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM auth_nonces WHERE seen_at < now() - make_interval(secs => $1)`,
      [RETENTION_SECONDS],
    );
    return r.rowCount;
  }

  startPurging(intervalMs = 60_000, onError: (err: unknown) => void = () => {}): void {
    this.purger = setInterval(() => void this.purge().catch(onError), intervalMs);
    this.purger.unref();
  }

  stop(): void {
    clearInterval(this.purger);
  }
}
