import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/cli/create-logger.js';
import { parseConfig } from '../../src/core/parse-config.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { runSubject, upstreamUrlArgument } from './run-subject.js';

/** Warden as `warden serve` wires it (batched SQLite, silent logs), with an org budget so budgets and the ledger are on. */
await runSubject(async () => {
  const upstreamUrl = upstreamUrlArgument();
  const directory = mkdtempSync(join(tmpdir(), 'warden-bench-gateway-'));
  const config = parseConfig({
    providers: { openai: { type: 'openai', baseUrl: `${upstreamUrl}/v1`, apiKey: 'bench' } },
    budgets: [{ scope: 'org:default', window: 'day', hard: '1000000' }],
    logging: { level: 'silent', requests: false },
    server: { sqlitePath: join(directory, 'warden.db'), sqliteDurability: 'batched' },
  });
  const store = createSqliteStore({ path: config.server.sqlitePath, budgetDurability: config.server.sqliteDurability });
  const gateway = createGateway({ config, store, secret: 'bench-secret-0123456789abcdef', logger: createLogger(config.logging.level) });
  const { plaintext } = await gateway.context.keys.create({ name: 'bench' });
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
});
