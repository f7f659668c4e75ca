import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
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
});
