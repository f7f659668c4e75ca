import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { LedgerRow } from '../../src/core/ledger-event.js';
import type { Store } from '../../src/core/store.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { createWarden, type CreateWardenOptions, type Warden } from '../../src/sdk/index.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';

export interface Harness {
  mock: MockUpstream;
  store: Store;
  warden: Warden;
  openai: OpenAI;
  anthropic: Anthropic;
  rows(type?: LedgerRow['type']): Promise<LedgerRow[]>;
  close(): Promise<void>;
}

/** A Warden over a memory store, with both official clients guarded and pointed at a real mock upstream. */
export async function createHarness(options: Partial<CreateWardenOptions> & { mock?: MockUpstream } = {}): Promise<Harness> {
  const mock = options.mock ?? (await createMockUpstream({ promptCaching: false }));
  const store = options.store ?? createMemoryStore();
  const warden = createWarden({ ...options, store, random: options.random ?? (() => 0) });
  const openai = warden.openai(new OpenAI({ apiKey: 'test-key', baseURL: `${mock.url}/v1` }));
  const anthropic = warden.anthropic(new Anthropic({ apiKey: 'test-key', baseURL: mock.url }));
  let closed = false;
  return {
    mock,
    store,
    warden,
    openai,
    anthropic,
    rows: async (type) => {
      await store.flush();
      return store.query(type ? { types: [type] } : {});
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await warden.close();
      await mock.close();
    },
  };
}

export const userMessage = [{ role: 'user' as const, content: 'Write a haiku about budgets.' }];
