import { parseConfig } from '../core/parse-config.js';
import { isWardenError, WardenError } from '../core/warden-error.js';
import { createPostgresPool } from '../stores/postgres/create-postgres-pool.js';
import { describePostgresError } from '../stores/postgres/describe-postgres-error.js';
import { migratePostgres } from '../stores/postgres/migrate-postgres.js';
import { redactUrl } from '../stores/redact-url.js';
import type { CliOutput } from './cli-output.js';
import { loadConfigFile, type Environment } from './load-config-file.js';

/**
 * `warden migrate [--config <file>]`: applies the pending PostgreSQL migrations for storage.ledger
 * in the storage.namespace schema, so replicas can start with storage.migrateOnStart off.
 */
export async function migrateCommand(options: { configPath?: string; env: Environment; output: CliOutput }): Promise<void> {
  const config = options.configPath === undefined ? parseConfig({}) : await loadConfigFile(options.configPath, options.env);
  const { ledger, namespace } = config.storage;
  if (ledger === 'sqlite') {
    const source = options.configPath === undefined ? 'Without --config <file>, storage.ledger' : `In ${options.configPath}, storage.ledger`;
    throw new WardenError(
      'invalid_config',
      `${source} is "sqlite": nothing to migrate (warden serve brings the SQLite file up to date itself). Set storage.ledger to a postgres:// URL to keep the ledger and keys in PostgreSQL.`,
    );
  }
  const location = `${redactUrl(ledger)} (schema "${namespace}")`;
  const pool = createPostgresPool({ url: ledger, maxConnections: 1, statementTimeoutInMs: 0 });
  try {
    const { appliedVersions, version } = await migratePostgres(pool, namespace);
    options.output.out(
      appliedVersions.length === 0
        ? `PostgreSQL at ${location} is up to date (schema version ${version}).`
        : `Applied ${appliedVersions.length === 1 ? 'migration' : 'migrations'} ${appliedVersions.join(', ')} to PostgreSQL at ${location}; now at schema version ${version}.`,
    );
  } catch (cause) {
    if (isWardenError(cause)) throw cause;
    throw new WardenError(
      'store_unavailable',
      `Could not migrate PostgreSQL at ${location}: ${describePostgresError(cause)}. Check that PostgreSQL is running and reachable, and that the user may create schemas and tables.`,
      { cause },
    );
  } finally {
    await pool.end();
  }
}
