import pg from 'pg';
import { testPostgresUrl } from './postgres-test-server.js';

export interface PostgresTestSchemas {
  /** A schema name no other test (or test process) uses: warden_test_<pid>_<n>. */
  next(): string;
  /** Runs one statement against the test database, outside any store. */
  query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]>;
  /** Drops every schema next() handed out, and closes the connection. */
  dropAll(): Promise<void>;
}

/** Fresh schemas for one test file; call dropAll() in afterAll. */
export function createPostgresTestSchemas(): PostgresTestSchemas {
  const pool = new pg.Pool({ connectionString: testPostgresUrl, max: 2 });
  const names: string[] = [];
  return {
    next() {
      const name = `warden_test_${process.pid}_${names.length + 1}`;
      names.push(name);
      return name;
    },
    async query<Row extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      return (await pool.query<Row>(text, values)).rows;
    },
    async dropAll() {
      try {
        for (const name of names.splice(0)) await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}
