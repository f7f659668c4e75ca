import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseConfig } from '../core/parse-config.js';
import { WardenError } from '../core/warden-error.js';
import { createApprovals } from '../sdk/approvals.js';
import { openConfiguredStore } from '../stores/open-configured-store.js';
import { systemClock } from '../stores/system-clock.js';
import type { AdminClient } from './admin-client.js';
import { loadConfigFile, type Environment } from './load-config-file.js';

/** Where `warden approvals` lists and decides: a gateway's admin API, or a store opened directly. */
export type ApprovalDesk = Pick<AdminClient, 'listApprovals' | 'decideApproval'>;

/**
 * Approvals read and decided in the store itself, with no gateway in between: the SQLite file SDK
 * agents share (`--db`), or the store a config names (`--config`: its SQLite file, or Redis and
 * PostgreSQL). Decisions are filed in that store's ledger as `cli` (`cli:$USER` when set).
 */
export async function openStoreApprovals(options: { configPath?: string; sqlitePath?: string; env: Environment }): Promise<ApprovalDesk & { close(): Promise<void> }> {
  const config = options.configPath === undefined ? parseConfig({}) : await loadConfigFile(options.configPath, options.env);
  const sqlitePath = resolve(options.sqlitePath ?? config.server.sqlitePath);
  const usesSqlite = config.storage.budgets === 'sqlite' || config.storage.ledger === 'sqlite';
  if (usesSqlite && !existsSync(sqlitePath)) {
    throw new WardenError(
      'invalid_config',
      `There is no Warden database at ${sqlitePath}. Point --db at the SQLite file the agents' store uses (createSqliteStore({ path })), or --config at the config of the gateway whose approvals these are.`,
    );
  }
  const store = await openConfiguredStore({ storage: config.storage, sqlitePath, sqliteDurability: config.server.sqliteDurability });
  const writes: Array<Promise<void>> = [];
  const approvals = createApprovals({
    store,
    clock: systemClock,
    timeoutInMs: config.toolChecks.approvalTimeoutInSeconds * 1000,
    record: (event) => writes.push(store.append([event])),
    sleep: (delayInMs, signal) => delay(delayInMs, undefined, signal ? { signal } : {}),
  });
  const by = options.env['USER'] ? `cli:${options.env['USER']}` : 'cli';
  return {
    listApprovals: () => approvals.list(),
    decideApproval: (id, decision) => approvals.decide(id, { approve: decision.approve, by, ...(decision.reason === undefined ? {} : { reason: decision.reason }) }),
    async close() {
      try {
        await Promise.all(writes);
      } finally {
        await store.close();
      }
    },
  };
}
