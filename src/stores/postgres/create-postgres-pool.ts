import pg from 'pg';

export interface PostgresPoolOptions {
  /** postgres://user:password@host:5432/database (`?sslmode=require` and the like are honoured). */
  url: string;
  maxConnections?: number;
  /**
   * How long one statement may run, enforced by the server and, a second later, by the client (so
   * a network that drops packets cannot hang a call). 0 for none: migrations may take long.
   */
  statementTimeoutInMs?: number;
  connectionTimeoutInMs?: number;
}

/**
 * A pg Pool with bounded waits, safe to leave open: idle connections close by themselves and a
 * connection that breaks while idle is dropped instead of crashing the process.
 * @example const pool = createPostgresPool({ url: 'postgres://warden@127.0.0.1:5432/warden' });
 */
export function createPostgresPool({ url, maxConnections = 4, statementTimeoutInMs = 5_000, connectionTimeoutInMs = 5_000 }: PostgresPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    connectionTimeoutMillis: connectionTimeoutInMs,
    idleTimeoutMillis: 30_000,
    allowExitOnIdle: true,
    keepAlive: true,
    application_name: 'warden',
    ...(statementTimeoutInMs > 0 ? { statement_timeout: statementTimeoutInMs, query_timeout: statementTimeoutInMs + 1_000 } : {}),
  });
  // pg emits 'error' for a connection that breaks while idle (server restart, network cut); the pool
  // has already dropped it and the next query reports the outage, but an unheard 'error' would kill the process.
  pool.on('error', () => undefined);
  return pool;
}
