// Database on the embedded PGlite: PostgreSQL in WASM, one in-process
// connection. PGlite queues queries and transactions on that connection itself,
// so concurrent callers are serialised, never interleaved inside a transaction.
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import type { Database, Migration, QueryResult, Queryable } from './database.js';
import { lockDataDir } from './data-dir-lock.js';
import { StoreUnavailableError, classified, classifyError } from './errors.js';
import { applyMigrations, type ScriptTransaction } from './migrations.js';

interface PGliteResults {
  rows: unknown[];
  affectedRows?: number;
  rowCount?: number;
  command?: string;
}

function toResult<R>(r: PGliteResults): QueryResult<R> {
  const rowCount = r.command === 'SELECT' ? r.rows.length : (r.affectedRows ?? r.rowCount ?? r.rows.length);
  return { rows: r.rows as R[], rowCount };
}

function classify(err: unknown): unknown {
  if (err instanceof Error && /PGlite is closed/i.test(err.message)) {
    return new StoreUnavailableError('embedded database is closed', { cause: err });
  }
  return classifyError(err);
}

function wrap(tx: Transaction): ScriptTransaction {
  return {
    query: async <R>(sql: string, params?: unknown[]) =>
      toResult<R>(await classified(() => tx.query(sql, params), classify)),
    exec: async (sql: string) => {
      await classified(() => tx.exec(sql), classify);
    },
  };
}

export class PGliteDatabase implements Database {
  readonly driver = 'pglite' as const;

  private constructor(
    private readonly pg: PGlite,
    private readonly unlock: () => void,
  ) {}

  static async open(dataDir: string | undefined, migrations: Migration[]): Promise<PGliteDatabase> {
    const unlock = dataDir ? lockDataDir(dataDir) : () => undefined;
    let pg: PGlite;
    try {
      pg = await PGlite.create(dataDir ? { dataDir } : {});
    } catch (err) {
      unlock();
      throw err;
    }
    const db = new PGliteDatabase(pg, unlock);
    try {
      await applyMigrations((fn) => pg.transaction((tx) => fn(wrap(tx))), migrations);
    } catch (err) {
      await db.close();
      throw err;
    }
    return db;
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    return toResult<R>(await classified(() => this.pg.query(sql, params), classify));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return classified(() => this.pg.transaction((tx) => fn(wrap(tx))), classify);
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.pg.listen(channel, onPayload);
    return async () => {
      if (!this.pg.closed) await unlisten();
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    if (this.pg.closed) return;
    try {
      await this.pg.close();
    } finally {
      this.unlock();
    }
  }
}
