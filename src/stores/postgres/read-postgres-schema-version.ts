import type pg from 'pg';
import { quotePostgresIdentifier } from './quote-postgres-identifier.js';

/** The schema's migration version: the highest applied step, 0 when the schema or its schema_migrations table does not exist. */
export async function readPostgresSchemaVersion(connection: Pick<pg.Pool, 'query'>, schema: string): Promise<number> {
  const table = `${quotePostgresIdentifier(schema)}.schema_migrations`;
  const present = await connection.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
  if (present.rows[0]?.present !== true) return 0;
  const result = await connection.query<{ version: number }>(`SELECT coalesce(max(version), 0) AS version FROM ${table}`);
  return result.rows[0]?.version ?? 0;
}
