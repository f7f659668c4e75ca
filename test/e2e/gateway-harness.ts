import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { budgetLineKey, windowBounds, type CalendarWindowKind } from '../../src/core/budget-window.js';
import type { Clock } from '../../src/core/clock.js';
import type { KeyBudget } from '../../src/core/control-records.js';
import type { LedgerRow } from '../../src/core/ledger-event.js';
import { parseConfig, type WardenConfigInput } from '../../src/core/parse-config.js';
import type { ScopeKey } from '../../src/core/scope.js';
import type { BudgetState, Store } from '../../src/core/store.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { GatewayLogger } from '../../src/gateway/gateway-logger.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';

export const adminKey = 'test-admin-key-0123456789';
export const openaiProviderKey = 'sk-provider-openai-SECRET-1234';
export const anthropicProviderKey = 'sk-ant-provider-SECRET-5678';

export interface GatewayHarness {
  url: string;
  mock: MockUpstream;
  store: Store;
  gateway: Gateway;
  /** Every request that reached the gateway's socket, as `METHOD /path`, in arrival order. */
  received: string[];
  /** A virtual key with these options, and official clients that use it. */
  client(options?: { team?: string; budgets?: KeyBudget[]; models?: string[]; cache?: boolean }): Promise<{ key: string; keyId: string; openai: OpenAI; anthropic: Anthropic }>;
  rows(type?: LedgerRow['type']): Promise<LedgerRow[]>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** The budget counter of a scope in the current window (UTC calendar). */
  state(scope: ScopeKey, window?: CalendarWindowKind): Promise<BudgetState | undefined>;
  close(): Promise<void>;
}

/**
 * A gateway on a real port in front of the mock upstream on another, configured with the real
 * provider types (openai, anthropic) pointed at the mock, over a memory store.
 */
export async function createGatewayHarness(options: { config?: WardenConfigInput; store?: Store; mock?: MockUpstream; logger?: GatewayLogger; clock?: Clock } = {}): Promise<GatewayHarness> {
  const mock = options.mock ?? (await createMockUpstream({ promptCaching: false }));
  const store = options.store ?? createMemoryStore();
  const config = parseConfig({
    providers: {
      openai: { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: openaiProviderKey },
      anthropic: { type: 'anthropic', baseUrl: mock.url, apiKey: anthropicProviderKey },
    },
    retry: { initialDelayInMs: 1, maxDelayInMs: 5 },
    logging: { level: 'silent' },
    ...options.config,
  });
  const gateway = createGateway({ config, store, secret: 'test-secret-0123456789abcdef', adminKey, random: () => 0, controlRefreshInMs: 50, ...(options.logger ? { logger: options.logger } : {}), ...(options.clock ? { clock: options.clock } : {}) });
  const received: string[] = [];
  const server: Server = createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    gateway.handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  return {
    url,
    mock,
    store,
    gateway,
    received,
    async client(clientOptions = {}) {
      const created = await gateway.context.keys.create({ budgets: [], ...clientOptions });
      return {
        key: created.plaintext,
        keyId: created.record.id,
        openai: new OpenAI({ apiKey: created.plaintext, baseURL: `${url}/v1` }),
        anthropic: new Anthropic({ apiKey: created.plaintext, baseURL: url }),
      };
    },
    async rows(type) {
      await store.flush();
      return store.query(type ? { types: [type], limit: 100_000 } : { limit: 100_000 });
    },
    async admin(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    },
    async state(scope, window = 'day') {
      const line = budgetLineKey(scope, windowBounds({ window, timeInMs: Date.now(), timeZone: config.timeZone }));
      const [state] = await store.snapshot([line]);
      return state;
    },
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await store.close();
      // A mock the caller passed in is the caller's to close.
      if (options.mock === undefined) await mock.close();
    },
  };
}

/** Polls `check` until it returns something other than undefined or false; fails after `timeoutInMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutInMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutInMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const hello = [{ role: 'user' as const, content: 'Write a haiku about budgets.' }];
