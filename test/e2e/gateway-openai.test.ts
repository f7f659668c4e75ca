import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

describe('gateway with the official openai client', () => {
  it('answers a chat completion, charges it from its usage and says so in headers and the ledger', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai, keyId } = await harness.client({ team: 'research', budgets: [{ window: 'day', hardInNanoUsd: 1_000_000_000 }] });
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }).withResponse();
    expect(data.usage?.completion_tokens).toBe(20);
    // gpt-4o-mini: 10 × $0.15/M + 20 × $0.60/M = $0.0000135
    expect(response.headers.get('x-warden-cost-usd')).toBe('0.0000135');
    expect(response.headers.get('x-warden-model')).toBe('gpt-4o-mini');
    expect(response.headers.get('x-warden-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(response.headers.get('x-warden-budget-remaining-usd'))).toBeCloseTo(1 - 0.0000135, 9);
    const [commit] = await harness.rows('reservation-commit');
    expect(commit).toMatchObject({ status: 'ok', costInNanoUsd: 13_500, model: 'gpt-4o-mini', keyId, team: 'research' });
    expect(commit?.data).toMatchObject({ route: '/v1/chat/completions', upstream: 'openai', cache: 'off' });
    expect(harness.mock.requests[0]?.body).toMatchObject({ max_tokens: 50 });
    expect(harness.mock.requests[0]?.headers.authorization).toBe('Bearer sk-provider-openai-SECRET-1234');
  });

  it('streams a chat completion, charges it the same as its JSON twin and hides the usage chunk it did not ask for', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await harness.client();
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('').length).toBeGreaterThan(0);
    const commits = await harness.rows('reservation-commit');
    expect(commits.map((row) => row.costInNanoUsd)).toEqual([13_500, 13_500]);
    expect(harness.mock.requests[1]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('passes the usage chunk through when the client asked for it', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await harness.client();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true, stream_options: { include_usage: true } });
    let usage;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBe(20);
  });

  it('answers the Responses API, JSON and streamed, at the same cost', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 16 });
    const { openai } = await harness.client();
    const { data, response } = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Say OK.', max_output_tokens: 100 }).withResponse();
    expect(data.output_text.length).toBeGreaterThan(0);
    expect(data.usage?.output_tokens).toBe(16);
    // 10 × $0.15/M + 16 × $0.60/M = $0.0000111
    expect(response.headers.get('x-warden-cost-usd')).toBe('0.0000111');
    const stream = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Say OK.', max_output_tokens: 100, stream: true });
    let text = '';
    let completed = false;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = true;
    }
    expect(completed).toBe(true);
    expect(text).toBe(data.output_text);
    const commits = await harness.rows('reservation-commit');
    expect(commits.map((row) => [row.status, row.costInNanoUsd, row.data?.route, row.data?.stream])).toEqual([
      ['ok', 11_100, '/v1/responses', false],
      ['ok', 11_100, '/v1/responses', true],
    ]);
    expect(commits.every((row) => (row.reservedInNanoUsd ?? 0) >= 11_100)).toBe(true);
  });

  it('answers embeddings and charges their input tokens', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 50 });
    const { openai } = await harness.client();
    const { data, response } = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'budgets' }).withResponse();
    expect(data.data[0]?.embedding.length).toBeGreaterThan(0);
    // text-embedding-3-small: 50 × $0.02/M = $0.000001
    expect(response.headers.get('x-warden-cost-usd')).toBe('0.000001');
    const [commit] = await harness.rows('reservation-commit');
    expect(commit).toMatchObject({ status: 'ok', costInNanoUsd: 1_000, model: 'text-embedding-3-small' });
    expect(commit?.data).toMatchObject({ route: '/v1/embeddings' });
  });

  it('refuses an unknown key with 401 in the OpenAI error shape, and the client does not retry it', async () => {
    harness = await createGatewayHarness();
    const openai = new OpenAI({ apiKey: 'wk-not-a-key', baseURL: `${harness.url}/v1` });
    const error = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('unauthorized');
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-should-retry')).toBe('false');
    expect(harness.mock.requests).toHaveLength(0);
  });
});
