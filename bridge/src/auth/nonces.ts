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

export class NonceStore {
  private purger: NodeJS.Timeout | undefined;

  constructor(private readonly db: Database) {}

  /** True when the nonce is new for this agent (and is now remembered); false when it was seen before. */
  async remember(agentId: string, nonce: string): Promise<boolean> {
    const r = await this.db.query(
      'INSERT INTO auth_nonces (agent_id, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [agentId, nonce],
    );
    return r.rowCount === 1;
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
