// One database abstraction over two drivers (a PostgreSQL server through `pg`,
// or PGlite in-process) that run the same SQL.

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly driver: 'pg' | 'pglite';
  /** Runs `fn` between BEGIN and COMMIT on one connection; ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onPayload` for each NOTIFY on `channel`. After the listening connection
   * is re-established (pg), it is called once with '' because notifications may
   * have been missed meanwhile. Returns the function that stops listening.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** A schema change, applied once and in list order. `sql` may hold several statements. */
export interface Migration {
  id: string;
  sql: string;
}

export interface OpenOptions {
  /** postgres:// URL of a server; without it the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory on disk; without it (and without url) PGlite runs in memory. */
  dataDir?: string;
  poolSize?: number;
  migrations: Migration[];
}

/**
 * Opens the database and applies `migrations`: a `pg` Pool when `url` is given,
 * otherwise the embedded PGlite (on disk in `dataDir`, in memory without it).
 */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url) {
    const { PgDatabase } = await import('./pg-database.js');
    return PgDatabase.open(opts.url, opts.poolSize ?? 10, opts.migrations);
  }
  const { PGliteDatabase } = await import('./pglite-database.js');
  return PGliteDatabase.open(opts.dataDir, opts.migrations);
}
