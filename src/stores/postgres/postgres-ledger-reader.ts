import type { Store } from '../../core/store.js';
import { redactUrl } from '../redact-url.js';
import { createPostgresPool } from './create-postgres-pool.js';
import { scanPostgresLedger } from './postgres-ledger-scan.js';
import { quotePostgresIdentifier } from './quote-postgres-identifier.js';

/** Reads a PostgreSQL ledger and nothing else: no spool, no migrations, no writes. */
export interface PostgresLedgerReader extends Pick<Store, 'scanLedger'> {
  close(): Promise<void>;
}

/**
 * For reports run beside the replicas (`warden report`): a store would adopt a replica's spool
 * directory and migrate the schema; a reader does neither.
 * @example const reader = openPostgresLedgerReader({ url, schema: 'warden' });
 */
export function openPostgresLedgerReader(options: { url: string; schema: string }): PostgresLedgerReader {
  const pool = createPostgresPool({ url: options.url, maxConnections: 1, statementTimeoutInMs: 60_000 });
  const table = `${quotePostgresIdentifier(options.schema)}.ledger`;
  const location = `${redactUrl(options.url)} (schema "${options.schema}")`;
  return {
    scanLedger: (query) => scanPostgresLedger({ pool, table, location, query }),
    close: () => pool.end(),
  };
}
