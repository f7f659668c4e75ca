import { dirname, join, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { StorageConfig } from '../core/gateway-config-schema.js';
import type { BudgetStore, RecordStore, Store, StoreHealth } from '../core/store.js';
import { combineStores } from './combine-stores.js';
import { createPostgresRecordStore } from './postgres/postgres-record-store.js';
import { createRedisBudgetStore, type RedisBudgetStore } from './redis/redis-budget-store.js';
import { withStoreDownPolicy } from './redis/with-store-down-policy.js';
import { createSqliteStore, type BudgetDurability } from './sqlite/sqlite-store.js';

export interface OpenStoreOptions {
  storage: StorageConfig;
  sqlitePath: string;
  sqliteDurability: BudgetDurability;
  clock?: Clock;
}

/**
 * The store a config asks for: the SQLite file for both parts by default; budgets in Redis and
 * the ledger with the virtual keys in PostgreSQL when their URLs are given (either alone too).
 * PostgreSQL migrations run first when storage.migrateOnStart is on. A Redis that does not answer
 * yet does not stop the start: calls get its failure policy until it does, and /readyz says so.
 */
export async function openConfiguredStore(options: OpenStoreOptions): Promise<Store> {
  const { storage } = options;
  if (storage.budgets === 'sqlite' && storage.ledger === 'sqlite') {
    return createSqliteStore({ path: options.sqlitePath, budgetDurability: options.sqliteDurability, ...(options.clock ? { clock: options.clock } : {}) });
  }
  const sqlite = () => createSqliteStore({ path: options.sqlitePath, budgetDurability: options.sqliteDurability, ...(options.clock ? { clock: options.clock } : {}) });
  const local = storage.budgets === 'sqlite' || storage.ledger === 'sqlite' ? sqlite() : undefined;

  let redis: RedisBudgetStore | undefined;
  let budgets: BudgetStore = local as Store;
  if (storage.budgets !== 'sqlite') {
    const shared = createRedisBudgetStore({ url: storage.budgets, namespace: storage.namespace, commandTimeoutInMs: storage.budgetStoreTimeoutInMs, ...(options.clock ? { clock: options.clock } : {}) });
    redis = withStoreDownPolicy(shared, { defaultPolicy: storage.onBudgetStoreDown, replicas: storage.replicas, ...(options.clock ? { clock: options.clock } : {}) });
    budgets = redis;
    await shared.ready().catch(() => undefined);
  }

  let records: RecordStore = local as Store;
  let postgres: Awaited<ReturnType<typeof createPostgresRecordStore>> | undefined;
  if (storage.ledger !== 'sqlite') {
    const spoolDirectory = resolve(storage.spoolDirectory ?? join(dirname(resolve(options.sqlitePath)), 'warden-spool'));
    try {
      postgres = await createPostgresRecordStore({ url: storage.ledger, schema: storage.namespace, spoolDirectory, migrate: storage.migrateOnStart, ...(options.clock ? { clock: options.clock } : {}) });
    } catch (error) {
      await budgets.close().catch(() => undefined);
      throw error;
    }
    records = postgres;
  }

  const store = combineStores(budgets, records);
  const health = (): StoreHealth => {
    const budgetHealth = redis?.health();
    const recordHealth = postgres?.health();
    return {
      budgets: budgetHealth
        ? { backend: 'redis', up: budgetHealth.up, ...(budgetHealth.error === undefined ? {} : { error: budgetHealth.error }), waiting: budgetHealth.pendingSettles + (budgetHealth.unsyncedLocalSpend ?? 0), policy: storage.onBudgetStoreDown }
        : { backend: 'sqlite', up: true, waiting: 0, policy: storage.onBudgetStoreDown },
      records: recordHealth ? { backend: 'postgres', ...recordHealth } : { backend: 'sqlite', up: true, waiting: 0 },
    };
  };
  return { ...store, health };
}
