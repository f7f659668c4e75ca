import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

/** One raw chat call with extra headers; returns status, headers and parsed body. */
async function chat(options: { key: string; headers?: Record<string, string>; body?: Record<string, unknown> }) {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: hello, max_tokens: 64, ...options.body }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

describe('gateway attribution headers', () => {
  it('charges tasks and their parents from x-warden-task and x-warden-parent-task, and caps a task by its type', async () => {
    harness = await createGatewayHarness({ config: { taskTypes: { extractive: { budget: { calls: 2 } } } } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { key } = await harness.client();
    const headers = { 'x-warden-task': 'step-1', 'x-warden-parent-task': 'run-9', 'x-warden-task-type': 'extractive' };
    expect((await chat({ key, headers })).status).toBe(200);
    expect((await chat({ key, headers })).status).toBe(200);
    const third = await chat({ key, headers });
    expect(third.status).toBe(402);
    expect(third.body.error.code).toBe('call_limit_exceeded');
    expect((await chat({ key, headers: { ...headers, 'x-warden-task': 'step-2' } })).status).toBe(200);
    const commits = await harness.rows('reservation-commit');
    expect(commits.map((row) => [row.taskId, row.parentTaskId, row.taskType])).toEqual([
      ['step-1', 'run-9', 'extractive'],
      ['step-1', 'run-9', 'extractive'],
      ['step-2', 'run-9', 'extractive'],
    ]);
    expect((await harness.state('task:run-9', 'total'))?.committedInNanoUsd).toBe(3 * 13_500);
    expect((await chat({ key, headers: { 'x-warden-task-type': 'nonsense' } })).body.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('extractive') });
  });

  it('gives every end-user their own budget, from x-warden-user or the body', async () => {
    harness = await createGatewayHarness({ config: { budgets: [{ scope: 'user:*', window: 'day', hard: '0.00004', clamp: false }] } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { key } = await harness.client();
    expect((await chat({ key, headers: { 'x-warden-user': 'ada' }, body: { max_tokens: 20 } })).status).toBe(200);
    const refused = await chat({ key, headers: { 'x-warden-user': 'ada' }, body: { max_tokens: 64 } });
    expect(refused.status).toBe(402);
    expect(refused.body.error.message).toContain('user:ada');
    expect((await chat({ key, body: { user: 'grace', max_tokens: 20 } })).status).toBe(200);
    const users = (await harness.rows('reservation-commit')).map((row) => row.user);
    expect(users).toEqual(['ada', 'grace']);
  });

  it('charges tag budgets from x-warden-tags', async () => {
    harness = await createGatewayHarness({ config: { budgets: [{ scope: 'tag:feature=search', window: 'day', hard: '1' }] } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { key } = await harness.client();
    await chat({ key, headers: { 'x-warden-tags': 'feature=search, tier=free' } });
    await chat({ key, headers: { 'x-warden-tags': 'feature=chat' } });
    expect((await harness.state('tag:feature=search'))?.committedInNanoUsd).toBe(13_500);
    const [first] = await harness.rows('reservation-commit');
    expect(first?.tags).toEqual({ feature: 'search', tier: 'free' });
  });

  it('lowers the limit for one request with x-warden-max-cost-usd: clamps max_tokens, or refuses below a useful minimum', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { key } = await harness.client();
    // gpt-4o-mini output is $0.60/M: $0.0001 affords about 160 output tokens after the input.
    const clamped = await chat({ key, headers: { 'x-warden-max-cost-usd': '0.0001' }, body: { max_tokens: 1000 } });
    expect(clamped.status).toBe(200);
    const sent = harness.mock.requests[0]?.body as { max_tokens: number };
    expect(sent.max_tokens).toBeLessThan(1000);
    expect(sent.max_tokens).toBeGreaterThanOrEqual(64);
    expect(Number(clamped.headers.get('x-warden-cost-usd'))).toBeLessThanOrEqual(0.0001);
    const refused = await chat({ key, headers: { 'x-warden-max-cost-usd': '0.00001' } });
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('budget_exceeded');
    expect((await chat({ key, headers: { 'x-warden-max-cost-usd': 'ten dollars' } })).body.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('x-warden-max-cost-usd') });
    expect(harness.mock.requests).toHaveLength(1);
  });

  it('downgrades to the configured cheaper model past a soft limit', async () => {
    harness = await createGatewayHarness({ config: { budgets: [{ scope: 'team:research', window: 'day', soft: '0.0001', hard: '1' }], downgrades: { 'gpt-4o': 'gpt-4o-mini' } } });
    harness.mock.setBehavior({ inputTokens: 100, outputTokens: 20 });
    const { key } = await harness.client({ team: 'research' });
    const first = await chat({ key, body: { model: 'gpt-4o' } });
    expect(first.headers.get('x-warden-model')).toBe('gpt-4o');
    const second = await chat({ key, body: { model: 'gpt-4o' } });
    expect(second.headers.get('x-warden-model')).toBe('gpt-4o-mini');
    expect(harness.mock.requests.map((request) => (request.body as { model: string }).model)).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(await harness.rows('call-downgrade')).toHaveLength(1);
  });

  it('does not downgrade to a model another upstream serves, and settles every reservation it made', async () => {
    harness = await createGatewayHarness({ config: { budgets: [{ scope: 'team:research', window: 'day', soft: '0.0001', hard: '1' }], downgrades: { 'gpt-4o': 'claude-haiku-4-5' } } });
    harness.mock.setBehavior({ inputTokens: 100, outputTokens: 20 });
    const { key } = await harness.client({ team: 'research' });
    await chat({ key, body: { model: 'gpt-4o' } });
    const second = await chat({ key, body: { model: 'gpt-4o' } });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-warden-model')).toBe('gpt-4o');
    expect(await harness.rows('call-downgrade')).toHaveLength(0);
    const created = (await harness.rows('reservation-create')).map((row) => row.data?.reservationId);
    const settled = [...(await harness.rows('reservation-commit')), ...(await harness.rows('reservation-release'))].map((row) => row.data?.reservationId);
    expect(settled.sort()).toEqual(created.sort());
  });

  it('routes model "auto" by rules, tier names and x-warden-tier', async () => {
    harness = await createGatewayHarness({
      config: {
        tiers: { fast: ['gpt-4o-mini'], premium: ['gpt-4.1'] },
        routing: { defaultTier: 'fast', rules: [{ when: { keywords: ['prove'] }, tier: 'premium' }, { when: { headers: { 'x-priority': 'high' } }, model: 'gpt-4o' }] },
      },
    });
    const { key } = await harness.client();
    const model = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => (await chat({ key, body, headers })).headers.get('x-warden-model');
    expect(await model({ model: 'auto' })).toBe('gpt-4o-mini');
    expect(await model({ model: 'auto', messages: [{ role: 'user', content: 'Prove that budgets hold.' }] })).toBe('gpt-4.1');
    expect(await model({ model: 'auto' }, { 'x-priority': 'high' })).toBe('gpt-4o');
    expect(await model({ model: 'premium' })).toBe('gpt-4.1');
    expect(await model({ model: 'gpt-4o-mini' }, { 'x-warden-tier': 'premium' })).toBe('gpt-4.1');
    const [first] = await harness.rows('reservation-commit');
    expect(first?.data).toMatchObject({ tier: 'fast' });
  });
});
