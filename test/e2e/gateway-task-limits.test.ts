import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { GuardStore, Store } from '../../src/core/store.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createGatewayHarness, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

type ApiError = InstanceType<typeof OpenAI.APIError>;

const call = (openai: OpenAI, task: string, extraHeaders: Record<string, string> = {}) =>
  openai.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Next step.' }], max_tokens: 64 }, { headers: { 'x-warden-task': task, 'x-warden-task-type': 'coding', ...extraHeaders } })
    .then(
      () => 'ok',
      (error: ApiError) => `${error.status} ${error.code}`,
    );

describe('gateway task limits', () => {
  it('refuses a task past maxLlmCalls, counting its sub-tasks, and leaves other tasks alone', async () => {
    harness = await createGatewayHarness({ config: { taskTypes: { coding: { maxLlmCalls: 3 } } } });
    const { openai } = await harness.client();
    const results = [await call(openai, 'job-1'), await call(openai, 'job-1-sub', { 'x-warden-parent-task': 'job-1' }), await call(openai, 'job-1'), await call(openai, 'job-1')];
    expect(results).toEqual(['ok', 'ok', 'ok', '402 call_limit_exceeded']);
    expect(await call(openai, 'job-2')).toBe('ok');
    expect(harness.mock.requests).toHaveLength(4);
  });

  it('refuses a task whose answers made maxToolCalls tool calls', async () => {
    harness = await createGatewayHarness({ config: { taskTypes: { coding: { maxToolCalls: 2 } } } });
    harness.mock.setBehavior({ toolCall: { name: 'run', argumentsJson: '{}' } });
    const { openai } = await harness.client();
    expect([await call(openai, 'tools'), await call(openai, 'tools'), await call(openai, 'tools')]).toEqual(['ok', 'ok', '402 call_limit_exceeded']);
    const refusal = (await harness.rows('call-refuse')).at(-1);
    expect(refusal).toMatchObject({ errorCode: 'call_limit_exceeded' });
  });

  it('refuses a task past maxWallClockSeconds from its first call', async () => {
    const clock = createManualClock(Date.UTC(2026, 10, 25, 12));
    harness = await createGatewayHarness({ config: { taskTypes: { coding: { maxWallClockSeconds: 60 } } }, clock });
    const { openai } = await harness.client();
    expect(await call(openai, 'slow')).toBe('ok');
    clock.set(Date.UTC(2026, 10, 25, 12) + 59_000);
    expect(await call(openai, 'slow')).toBe('ok');
    clock.set(Date.UTC(2026, 10, 25, 12) + 60_000);
    expect(await call(openai, 'slow')).toBe('402 call_limit_exceeded');
    expect(await call(openai, 'fresh')).toBe('ok');
  });

  it('touches no guard state in the store when no task type has a tool or wall-clock limit and there is no loop detection or approval rule', async () => {
    const guardMethods: ReadonlyArray<keyof GuardStore> = ['putApproval', 'findApproval', 'findLatestApproval', 'listApprovals', 'updateApproval', 'findTaskGuard', 'updateTaskGuard'];
    const touched: string[] = [];
    const memory = createMemoryStore();
    const store = new Proxy(memory, {
      get: (target, property: keyof Store) => {
        if ((guardMethods as readonly string[]).includes(property)) touched.push(property);
        return target[property];
      },
    });
    harness = await createGatewayHarness({ store, config: { taskTypes: { coding: { maxLlmCalls: 5 } } } });
    harness.mock.setBehavior({ toolCall: { name: 'run', argumentsJson: '{}' } });
    const { openai } = await harness.client();
    expect([await call(openai, 'plain'), await call(openai, 'plain-sub', { 'x-warden-parent-task': 'plain' })]).toEqual(['ok', 'ok']);
    expect(touched).toEqual([]);
  });

  it('counts tool calls in the store the gateway shares, so a second gateway on it sees them', async () => {
    const store = createMemoryStore();
    const config = { taskTypes: { coding: { maxToolCalls: 2 } } };
    harness = await createGatewayHarness({ store, config });
    harness.mock.setBehavior({ toolCall: { name: 'run', argumentsJson: '{}' } });
    const other = await createGatewayHarness({ store: { ...store, close: async () => undefined }, config, mock: harness.mock });
    try {
      const first = await harness.client();
      expect(await call(first.openai, 'shared')).toBe('ok');
      const second = await other.client();
      expect(await call(second.openai, 'shared')).toBe('ok');
      expect(await call(first.openai, 'shared')).toBe('402 call_limit_exceeded');
      expect((await store.findTaskGuard('shared', Date.now()))?.toolCalls).toBe(2);
    } finally {
      await other.close();
    }
  });
});
