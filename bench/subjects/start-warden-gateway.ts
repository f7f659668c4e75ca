import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/cli/create-logger.js';
import { parseConfig, type WardenConfigInput } from '../../src/core/parse-config.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import type { CreateKeyOptions } from '../../src/gateway/virtual-keys.js';
import { warmTokenCounters } from '../../src/providers/token-counter.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import type { StartedSubject } from './run-subject.js';
import { benchAdminKey, upstreamConnections } from './subject-names.js';

/**
 * Warden as `warden serve` wires it (SQLite store in a temporary directory with batched durability,
 * tokenizers warmed before listening, silent logs, no request log, the admin API open to `benchAdminKey`), an `openai` provider pointing
 * at the mock, the given config budgets, and one virtual key created with `key`. With `simulated`, the
 * mock is the built-in simulated provider instead, which passes the client's `x-mock-*` fault headers on.
 */
export async function startWardenGateway(options: { upstreamUrl: string; budgets: WardenConfigInput['budgets']; key: CreateKeyOptions; simulated?: boolean; circuitBreaker?: WardenConfigInput['circuitBreaker'] }): Promise<StartedSubject> {
  const directory = mkdtempSync(join(tmpdir(), 'warden-bench-gateway-'));
  const config = parseConfig({
    providers: options.simulated ? { simulated: { type: 'simulated' } } : { openai: { type: 'openai', baseUrl: `${options.upstreamUrl}/v1`, apiKey: 'bench' } },
    budgets: options.budgets,
    upstream: { connections: upstreamConnections },
    ...(options.circuitBreaker === undefined ? {} : { circuitBreaker: options.circuitBreaker }),
    logging: { level: 'silent', requests: false },
    server: { sqlitePath: join(directory, 'warden.db'), sqliteDurability: 'batched' },
  });
  const store = createSqliteStore({ path: config.server.sqlitePath, budgetDurability: config.server.sqliteDurability });
  const gateway = createGateway({ config, store, secret: 'bench-secret-0123456789abcdef', adminKey: benchAdminKey, logger: createLogger(config.logging.level), ...(options.simulated ? { simulatedUrl: options.upstreamUrl } : {}) });
  const { plaintext } = await gateway.context.keys.create(options.key);
  warmTokenCounters();
  const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, gateway.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: plaintext,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
