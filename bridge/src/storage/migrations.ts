// Schema migrations: applied at open, in list order, each once, recorded in
// schema_migrations. The whole run holds a transaction-scoped advisory lock, so
// two replicas starting together apply each migration exactly once.
import type { Migration, Queryable } from './database.js';

/** A transaction that can also run multi-statement scripts. */
export interface ScriptTransaction extends Queryable {
  exec(sql: string): Promise<void>;
}

// Arbitrary constant shared by every replica: "lighthouse migrations".
const MIGRATION_LOCK_KEY = 7_243_610_001;

export function checkMigrations(migrations: Migration[]): void {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(m.id))
      throw new Error(`invalid migration id ${JSON.stringify(m.id)}`);
    if (seen.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    seen.add(m.id);
  }
}

/** Returns the ids applied by this call (empty when the schema was already current). */
export async function applyMigrations(
  inTransaction: <T>(fn: (tx: ScriptTransaction) => Promise<T>) => Promise<T>,
  migrations: Migration[],
): Promise<string[]> {
  checkMigrations(migrations);
  return inTransaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         id text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await tx.query<{ id: string }>('SELECT id FROM schema_migrations');
    const done = new Set(rows.map((r) => r.id));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
    return applied;
  });
}
