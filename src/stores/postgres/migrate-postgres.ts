import type pg from 'pg';
import { postgresMigrations } from './postgres-migrations.js';
import { quotePostgresIdentifier } from './quote-postgres-identifier.js';
import { readPostgresSchemaVersion } from './read-postgres-schema-version.js';

export interface PostgresMigrationResult {
  schema: string;
  /** The versions this call applied, in order; empty when the schema was already up to date. */
  appliedVersions: number[];
  /** The schema's version afterwards; higher than postgresMigrations.length when a newer Warden migrated it. */
  version: number;
}

/**
 * Creates `schema` (and its schema_migrations table) if missing, then applies the pending
 * postgresMigrations, each in its own transaction under an advisory lock on the schema name, so
 * replicas starting together apply every step exactly once. Driver errors are thrown as they are.
 * @example const { appliedVersions } = await migratePostgres(pool, 'warden');
 */
export async function migratePostgres(pool: Pick<pg.Pool, 'connect'>, schema: string): Promise<PostgresMigrationResult> {
  const quoted = quotePostgresIdentifier(schema);
  const appliedVersions: number[] = [];
  const client = await pool.connect();
  // As in the ledger's writes: a dropped connection between statements must not crash the process.
  const ignoreDrop = (): void => undefined;
  client.on('error', ignoreDrop);
  let failure: Error | undefined;
  try {
    await underMigrationLock(client, schema, async () => {
      // Checked first because CREATE ... IF NOT EXISTS still demands the CREATE privilege.
      const schemaFound = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (schemaFound.rowCount === 0) await client.query(`CREATE SCHEMA ${quoted}`);
      const tableFound = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [`${quoted}.schema_migrations`]);
      if (tableFound.rows[0]?.present !== true) {
        await client.query(`CREATE TABLE ${quoted}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      }
    });
    for (const [index, migration] of postgresMigrations.entries()) {
      const version = index + 1;
      await underMigrationLock(client, schema, async () => {
        if ((await readPostgresSchemaVersion(client, schema)) >= version) return;
        await client.query(migration(quoted));
        await client.query(`INSERT INTO ${quoted}.schema_migrations (version) VALUES ($1)`, [version]);
        appliedVersions.push(version);
      });
    }
    return { schema, appliedVersions, version: await readPostgresSchemaVersion(client, schema) };
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.off('error', ignoreDrop);
    // Releasing with the error closes the connection, which also ends a failed step's transaction and its lock.
    client.release(failure);
  }
}

/** Runs `work` in one transaction holding the schema's migration lock, which the transaction's end frees. */
async function underMigrationLock(client: pg.PoolClient, schema: string, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`warden-migrate:${schema}`]);
  await work();
  await client.query('COMMIT');
}
