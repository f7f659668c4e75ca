import type pg from 'pg';
import type { Clock } from '../../core/clock.js';
import type { RecordStore, StorePartHealth } from '../../core/store.js';
import { isWardenError, WardenError } from '../../core/warden-error.js';
import { redactUrl } from '../redact-url.js';
import { storeClosedError } from '../store-closed-error.js';
import { systemClock } from '../system-clock.js';
import { createPostgresPool } from './create-postgres-pool.js';
import { describePostgresError } from './describe-postgres-error.js';
import { LedgerSpool } from './ledger-spool.js';
import { migratePostgres } from './migrate-postgres.js';
import { PostgresKeys } from './postgres-keys.js';
import { PostgresLedger } from './postgres-ledger.js';
import { postgresMigrations } from './postgres-migrations.js';
import { quotePostgresIdentifier } from './quote-postgres-identifier.js';
import { readPostgresSchemaVersion } from './read-postgres-schema-version.js';

export interface PostgresRecordStoreOptions {
  /** postgres://user:password@host:5432/database; never echoed with its password. */
  url: string;
  /** The PostgreSQL schema holding this deployment's tables (storage.namespace). */
  schema: string;
  /** Where ledger events wait on local disk until PostgreSQL has them: one replica per directory. */
  spoolDirectory: string;
  clock?: Clock;
  /** How long appended ledger events may wait before they are written. */
  flushIntervalInMs?: number;
  /** Buffered ledger events that trigger a write straight away, and the most one INSERT carries. */
  maxBatchSize?: number;
  /** Apply pending migrations on open (default); when false, open fails unless `warden migrate` ran. */
  migrate?: boolean;
}

/** A RecordStore that can say whether PostgreSQL answered last time it was asked. */
export interface PostgresRecordStore extends RecordStore {
  /** Down after a failed write or read (with why, without credentials) until one succeeds; `waiting` counts spooled events not yet written. */
  health(): Omit<StorePartHealth, 'backend'>;
}

/**
 * The ledger and the virtual keys in PostgreSQL, for replicas that share them. Opening migrates
 * the schema (unless told not to), then writes the events an earlier run spooled but never wrote.
 * Rejects with store_unavailable when PostgreSQL cannot be reached at open.
 * @example const records = await createPostgresRecordStore({ url, schema: 'warden', spoolDirectory: './spool' });
 */
export async function createPostgresRecordStore(options: PostgresRecordStoreOptions): Promise<PostgresRecordStore> {
  const location = `${redactUrl(options.url)} (schema "${options.schema}")`;
  const schema = quotePostgresIdentifier(options.schema);
  const pool = createPostgresPool({ url: options.url });
  let failure: string | undefined;
  const observe = (error: unknown): void => {
    if (error === undefined) failure = undefined;
    else if (isWardenError(error) && error.code === 'store_unavailable') failure = describePostgresError(error.cause ?? error);
  };
  let opened: { spool: LedgerSpool; ledger: PostgresLedger };
  try {
    await prepareSchema({ pool, options, location });
    opened = await openLedger({ pool, options, schema, location, onWrite: observe });
  } catch (error) {
    await pool.end();
    throw isWardenError(error) ? error : openError(location, error);
  }
  const { spool, ledger } = opened;
  const keys = new PostgresKeys(pool, { schema, location });
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw storeClosedError('PostgreSQL');
  };
  const observed = async <Result>(work: Promise<Result>): Promise<Result> => {
    try {
      const result = await work;
      observe(undefined);
      return result;
    } catch (error) {
      observe(error);
      throw error;
    }
  };

  return {
    async append(events) {
      assertOpen();
      return ledger.append(events);
    },
    async query(query) {
      assertOpen();
      await ledger.flush();
      return observed(ledger.query(query));
    },
    async *scanLedger(query) {
      assertOpen();
      await ledger.flush();
      const batches = ledger.scan(query);
      for (;;) {
        const next = await observed(batches.next());
        if (next.done === true) return;
        yield next.value;
      }
    },
    async putKey(key) {
      assertOpen();
      return observed(keys.put(key));
    },
    async findKeyByHash(hash) {
      assertOpen();
      return observed(keys.findByHash(hash));
    },
    async findKeyById(id) {
      assertOpen();
      return observed(keys.findById(id));
    },
    async listKeys() {
      assertOpen();
      return observed(keys.list());
    },
    async flush() {
      assertOpen();
      return ledger.flush();
    },
    health() {
      return { up: failure === undefined, ...(failure === undefined ? {} : { error: failure }), waiting: ledger.waiting };
    },
    async close() {
      if (closed) return;
      closed = true;
      // A failed final write leaves the events in the spool, for the next store on this directory.
      try {
        await ledger.flush();
      } finally {
        ledger.stop();
        spool.close();
        await pool.end();
      }
    },
  };
}

async function prepareSchema(context: { pool: pg.Pool; options: PostgresRecordStoreOptions; location: string }): Promise<void> {
  const { pool, options, location } = context;
  if (options.migrate ?? true) {
    // Migrations may outlast the statement timeout the store's own pool enforces.
    const migrationPool = createPostgresPool({ url: options.url, maxConnections: 1, statementTimeoutInMs: 0 });
    try {
      await migratePostgres(migrationPool, options.schema);
    } finally {
      await migrationPool.end();
    }
    return;
  }
  const version = await readPostgresSchemaVersion(pool, options.schema);
  if (version < postgresMigrations.length) {
    throw new WardenError(
      'store_unavailable',
      `The PostgreSQL schema at ${location} is at version ${version}; this Warden needs version ${postgresMigrations.length}. Run \`warden migrate --config <file>\`, or set storage.migrateOnStart to true.`,
      { details: { version, neededVersion: postgresMigrations.length } },
    );
  }
}

/** The ledger, with the events earlier runs left in the spool written first. */
async function openLedger(context: {
  pool: pg.Pool;
  options: PostgresRecordStoreOptions;
  schema: string;
  location: string;
  onWrite: (error: WardenError | undefined) => void;
}): Promise<{ spool: LedgerSpool; ledger: PostgresLedger }> {
  const { pool, options, schema, location, onWrite } = context;
  const spool = new LedgerSpool({ directory: options.spoolDirectory, schema: options.schema });
  const ledger = new PostgresLedger({
    pool,
    spool,
    clock: options.clock ?? systemClock,
    schema,
    location,
    flushIntervalInMs: options.flushIntervalInMs ?? 50,
    maxBatchSize: options.maxBatchSize ?? 500,
    onWrite,
  });
  let leftovers = 0;
  try {
    const rows = spool.adoptLeftovers();
    leftovers = rows.length;
    ledger.requeue(rows);
    await ledger.flush();
  } catch (error) {
    ledger.stop();
    spool.close();
    if (leftovers === 0) throw error;
    throw new WardenError(
      'store_unavailable',
      `Could not write the ${leftovers} ledger events left in the spool directory ${options.spoolDirectory} to PostgreSQL at ${location}; they stay there for the next open. Check that PostgreSQL is running and reachable.`,
      { cause: error },
    );
  }
  return { spool, ledger };
}

function openError(location: string, cause: unknown): WardenError {
  return new WardenError(
    'store_unavailable',
    `Could not open the ledger in PostgreSQL at ${location}: ${describePostgresError(cause)}. Check that PostgreSQL is running and reachable, and that the user may create schemas and tables (or run \`warden migrate\`).`,
    { cause },
  );
}
