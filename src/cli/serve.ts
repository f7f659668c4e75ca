import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parseConfig, type WardenConfig } from '../core/parse-config.js';
import { createGateway, type Gateway } from '../gateway/create-gateway.js';
import { createMockUpstream, type MockUpstream } from '../providers/simulated/index.js';
import { warmTokenCounters } from '../providers/token-counter.js';
import type { Store } from '../core/store.js';
import { openConfiguredStore } from '../stores/open-configured-store.js';
import { createLogger } from './create-logger.js';
import { demoConfig } from './demo-config.js';
import { loadConfigFile, type Environment } from './load-config-file.js';
import { derivedKey, loadOrCreateSecret } from './serve-secrets.js';
import { printBanner } from './print-banner.js';
import { WardenError } from '../core/warden-error.js';

export interface ServeOptions {
  configPath?: string;
  port?: number;
  host?: string;
  sqlitePath?: string;
}

/** A running gateway with everything it owns, for tests and for `warden serve`. */
export interface RunningGateway {
  url: string;
  gateway: Gateway;
  config: Readonly<WardenConfig>;
  adminKey: string | undefined;
  /** The demo key, when running without a config. */
  demoKey: string | undefined;
  /** Stops accepting, lets calls in flight finish (up to `graceInMs`), then closes everything. */
  stop(graceInMs?: number): Promise<void>;
}

/**
 * Starts the gateway: with a config file it proxies the providers it names; without one it runs
 * the built-in simulated provider with a demo key, so it works with no API keys at all.
 */
export async function startGateway(options: ServeOptions & { env?: Environment; quiet?: boolean }): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const demo = options.configPath === undefined;
  const loaded = demo ? parseConfig(demoConfig) : await loadConfigFile(options.configPath as string, env);
  const overrides = {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.sqlitePath === undefined ? {} : { sqlitePath: options.sqlitePath }),
  };
  // The loaded config is already parsed (amounts in nano-USD), so the flags replace fields rather than re-parse.
  const config: Readonly<WardenConfig> = Object.freeze({ ...loaded, server: Object.freeze({ ...loaded.server, ...overrides }) });
  const logger = createLogger(options.quiet ? 'silent' : config.logging.level);
  const sqlitePath = resolve(config.server.sqlitePath);
  const secret = loadOrCreateSecret({ ...(config.admin.secret === undefined ? {} : { configured: config.admin.secret }), ...(env.WARDEN_SECRET === undefined ? {} : { env: env.WARDEN_SECRET }), path: resolve(dirname(sqlitePath), `${sqlitePath.split('/').at(-1) ?? 'warden.db'}.secret`) });
  const adminKey = config.admin.key ?? adminKeyFromEnv(env.WARDEN_ADMIN_KEY) ?? (demo ? derivedKey(secret, 'admin') : undefined);
  const viewerKeys = [...config.admin.viewerKeys, ...viewerKeyFromEnv(env.WARDEN_VIEWER_KEY)];

  const simulated = Object.values(config.providers).find((provider) => provider.type === 'simulated');
  let mock: MockUpstream | undefined;
  if (simulated?.type === 'simulated') {
    mock = await createMockUpstream({ behavior: { latencyInMs: simulated.latencyInMs, chunkIntervalInMs: simulated.chunkIntervalInMs } });
  }
  let store: Store;
  try {
    store = await openConfiguredStore({ storage: config.storage, sqlitePath, sqliteDurability: config.server.sqliteDurability });
  } catch (error) {
    await mock?.close();
    throw error;
  }
  let gateway: Gateway;
  try {
    gateway = createGateway({ config, store, secret, ...(adminKey === undefined ? {} : { adminKey }), viewerKeys, ...(mock ? { simulatedUrl: mock.url } : {}), logger });
  } catch (error) {
    await store.close();
    await mock?.close();
    throw error;
  }

  let demoKey: string | undefined;
  if (demo) {
    demoKey = derivedKey(secret, 'demo');
    await gateway.context.keys.create({ plaintext: demoKey, name: 'demo', team: 'demo', budgets: [{ window: 'day', hardInNanoUsd: 1_000_000_000 }] });
  }

  warmTokenCounters();
  // Calls (the /v1 routes) whose answer is not finished yet, which a stop waits for; the control panel's streams are not calls.
  let openCalls = 0;
  const server: Server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (request, response) => {
    if (request.url?.startsWith('/v1/') === true) {
      openCalls += 1;
      response.once('close', () => (openCalls -= 1));
    }
    gateway.handle(request, response);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  if (!adminKey && !options.quiet) logger.warn({}, 'no admin key: /admin and /metrics answer 403; set admin.key in the config or WARDEN_ADMIN_KEY');

  let stopping: Promise<void> | undefined;
  const stop = (graceInMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeIdleConnections();
      await waitUntil(() => openCalls === 0 && gateway.context.inFlight.size === 0, Date.now() + graceInMs);
      // Calls still running past the grace end cleanly: an error their SDK raises, the upstream stopped, the call settled.
      gateway.context.inFlight.endWhere(() => shuttingDownError(graceInMs));
      // Settling and answering are local work, bounded so a store that hangs cannot hold the process forever.
      const settleDeadlineInMs = Date.now() + settleBoundInMs;
      await Promise.race([gateway.context.inFlight.idle(), new Promise((wait) => setTimeout(wait, settleBoundInMs).unref())]);
      await waitUntil(() => openCalls === 0, settleDeadlineInMs);
      server.closeAllConnections();
      await closed;
      await gateway.close();
      await store.close();
      await mock?.close();
    })();
    return stopping;
  };
  return { url, gateway, config, adminKey, demoKey, stop };
}

/** WARDEN_ADMIN_KEY, held to the same 16 characters as admin.key in the config; empty is unset. */
function adminKeyFromEnv(key: string | undefined): string | undefined {
  if (key === undefined || key === '') return undefined;
  if (key.length < 16) throw new WardenError('invalid_config', 'WARDEN_ADMIN_KEY must be at least 16 characters; generate one with `openssl rand -hex 24`.');
  return key;
}

const settleBoundInMs = 5_000;

async function waitUntil(done: () => boolean, deadlineInMs: number): Promise<void> {
  while (!done() && Date.now() < deadlineInMs) await new Promise((wait) => setTimeout(wait, 20));
}

function shuttingDownError(graceInMs: number): WardenError {
  return new WardenError('shutting_down', `This Warden replica is stopping and ended the call after waiting ${graceInMs} ms for it; the answer is incomplete. Retry the request.`);
}

/** WARDEN_VIEWER_KEY, when set, is one more read-only login to the control panel, named "viewer". */
function viewerKeyFromEnv(key: string | undefined): Array<{ name: string; key: string }> {
  if (key === undefined || key === '') return [];
  if (key.length < 16) throw new WardenError('invalid_config', 'WARDEN_VIEWER_KEY must be at least 16 characters; generate one with `openssl rand -hex 24`.');
  return [{ name: 'viewer', key }];
}

/** `warden serve`: starts the gateway, prints where it is and a first request, stops cleanly on SIGINT/SIGTERM. */
export async function serve(options: ServeOptions): Promise<void> {
  const running = await startGateway(options);
  printBanner({ running, write: (text) => process.stdout.write(text) });
  await new Promise<void>((resolveStop) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stdout.write(`\n${signal}: finishing calls in flight, then stopping…\n`);
      running.stop().then(resolveStop, (error: unknown) => {
        process.stderr.write(`Stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
        resolveStop();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
