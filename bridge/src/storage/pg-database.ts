// Database on a PostgreSQL server through a `pg` Pool. LISTEN needs a session
// of its own, so one extra client listens and reconnects by itself.
import pg from 'pg';
import type { Database, Migration, QueryResult, Queryable } from './database.js';
import { StoreUnavailableError, classified, classifyError } from './errors.js';
import { applyMigrations, type ScriptTransaction } from './migrations.js';

type Listener = (payload: string) => void;

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function toResult<R>(r: pg.QueryResult): QueryResult<R> {
  return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
}

function wrap(client: pg.ClientBase): ScriptTransaction {
  return {
    query: async <R>(sql: string, params?: unknown[]) =>
      toResult<R>(await classified(() => client.query(sql, params))),
    exec: async (sql: string) => {
      await classified(() => client.query(sql));
    },
  };
}

class ListenConnection {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 100;
  private closed = false;
  // Set while disconnected: notifications sent meanwhile are lost.
  private missed = false;
  readonly channels = new Map<string, Set<Listener>>();

  constructor(private readonly url: string) {}

  async add(channel: string, fn: Listener): Promise<void> {
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
      if (this.client) await this.client.query(`LISTEN ${quoteIdent(channel)}`).catch(() => this.reconnect());
    }
    set.add(fn);
    if (!this.client) await this.connect();
  }

  async remove(channel: string, fn: Listener): Promise<void> {
    const set = this.channels.get(channel);
    if (!set) return;
    set.delete(fn);
    if (set.size > 0) return;
    this.channels.delete(channel);
    await this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
  }

  // Resolves whether or not the server answered: when it does not, a retry is scheduled
  // and listeners are told (with '') once the connection is back.
  private connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
      client.on('error', () => this.reconnect());
      client.on('end', () => {
        if (this.client === client) this.reconnect();
      });
      client.on('notification', (msg) => {
        for (const fn of this.channels.get(msg.channel) ?? []) fn(msg.payload ?? '');
      });
      try {
        await client.connect();
        for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
        if (this.closed) {
          await client.end();
          return;
        }
        this.client = client;
        this.retryDelay = 100;
        const missed = this.missed;
        this.missed = false;
        if (missed) for (const set of this.channels.values()) for (const fn of set) fn('');
      } catch {
        client.end().catch(() => undefined);
        this.scheduleRetry();
      }
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private reconnect(): void {
    const old = this.client;
    this.client = null;
    old?.end().catch(() => undefined);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.missed = true;
    if (this.closed || this.retryTimer) return;
    this.retryDelay = Math.min(this.retryDelay * 2, 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.retryDelay);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}

export class PgDatabase implements Database {
  readonly driver = 'pg' as const;
  private readonly pool: pg.Pool;
  private readonly listener: ListenConnection;

  private constructor(url: string, poolSize: number) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
    // An idle client whose server went away emits here; without a handler the process would exit.
    this.pool.on('error', () => undefined);
    this.listener = new ListenConnection(url);
  }

  static async open(url: string, poolSize: number, migrations: Migration[]): Promise<PgDatabase> {
    const db = new PgDatabase(url, poolSize);
    try {
      await applyMigrations((fn) => db.inTransaction(fn), migrations);
    } catch (err) {
      await db.close();
      throw err;
    }
    return db;
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    return toResult<R>(await classified(() => this.pool.query(sql, params)));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inTransaction(fn);
  }

  private async inTransaction<T>(fn: (tx: ScriptTransaction) => Promise<T>): Promise<T> {
    const client = await classified(() => this.pool.connect());
    let broken: Error | undefined;
    // A server that dies between two statements makes the checked-out client emit
    // 'error'; the next statement fails with it, so the event itself is only noted.
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    try {
      const tx = wrap(client);
      await tx.query('BEGIN');
      try {
        const result = await fn(tx);
        await tx.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
        throw classifyError(err);
      }
    } catch (err) {
      if (err instanceof StoreUnavailableError) broken ??= err;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const fn: Listener = (p) => onPayload(p);
    await this.listener.add(channel, fn);
    return () => this.listener.remove(channel, fn);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.pool.end();
  }
}
