import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

type ApiError = InstanceType<typeof OpenAI.APIError>;

describe('gateway retries and fallbacks', () => {
  it('retries a 429 after the Retry-After it names, each attempt reserved, and answers', async () => {
    harness = await createGatewayHarness({ config: { retry: { maxRetries: 2, initialDelayInMs: 1, maxDelayInMs: 5 } } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    harness.mock.failNext(2, { type: 'rate-limit', retryAfterInMs: 10 });
    const { openai } = await harness.client();
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }).withResponse();
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(response.headers.get('x-warden-cost-usd')).toBe('0.0000135');
    expect(harness.mock.requests.map((request) => request.status)).toEqual([429, 429, 200]);
    expect(harness.received).toHaveLength(1);

    const retries = await harness.rows('call-retry');
    // 10 ms is the mock's retry-after-ms; the policy's own backoff would be under 5 ms.
    expect(retries.map((row) => row.data)).toEqual([
      expect.objectContaining({ attempt: 1, delayInMs: 10 }),
      expect.objectContaining({ attempt: 2, delayInMs: 10 }),
    ]);
    const releases = await harness.rows('reservation-release');
    expect(releases.map((row) => [row.status, row.errorCode])).toEqual([
      ['upstream_error', 'http_429'],
      ['upstream_error', 'http_429'],
    ]);
    expect(await harness.rows('reservation-create')).toHaveLength(3);
    const [commit] = await harness.rows('reservation-commit');
    expect(commit).toMatchObject({ status: 'ok', retries: 2, costInNanoUsd: 13_500 });
  });

  it('stops retrying at the retry money cap and answers 402 retry_budget_exhausted', async () => {
    harness = await createGatewayHarness({ config: { retry: { maxRetries: 5, maxRetryCostUsd: '0.000001', initialDelayInMs: 1, maxDelayInMs: 5 } } });
    harness.mock.failNext(5, { type: 'rate-limit', retryAfterInMs: 1 });
    const { openai, keyId } = await harness.client({ budgets: [{ window: 'day', hardInNanoUsd: 1_000_000_000 }] });
    const error = (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }).catch((caught: unknown) => caught)) as ApiError;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(402);
    expect(error.code).toBe('retry_budget_exhausted');
    expect(error.headers?.get('x-should-retry')).toBe('false');
    // One attempt costs more than the $0.000001 cap, so not even one retry is affordable.
    expect(harness.mock.requests).toHaveLength(1);
    expect(harness.received).toHaveLength(1);
    const [retry] = await harness.rows('call-retry');
    expect(retry?.data).toMatchObject({ attempt: 1, stopped: 'money_cap' });
    expect(await harness.rows('reservation-commit')).toHaveLength(0);
    expect(await harness.state(`key:${keyId}`)).toMatchObject({ committedInNanoUsd: 0, reservedInNanoUsd: 0 });
  });

  it('falls back to the next model when the first answers 500', async () => {
    harness = await createGatewayHarness({ config: { fallbacks: { 'gpt-4o-mini': ['gpt-4.1-nano'] }, retry: { maxRetries: 0 } } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    harness.mock.setScript([{ type: 'server-error' }]);
    const { openai } = await harness.client();
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }).withResponse();
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.model).toBe('gpt-4.1-nano');
    expect(response.headers.get('x-warden-model')).toBe('gpt-4.1-nano');
    // gpt-4.1-nano: 10 × $0.10/M + 20 × $0.40/M
    expect(response.headers.get('x-warden-cost-usd')).toBe('0.000009');
    expect(harness.mock.requests.map((request) => [(request.body as { model: string }).model, request.status])).toEqual([
      ['gpt-4o-mini', 500],
      ['gpt-4.1-nano', 200],
    ]);
    const [fallback] = await harness.rows('call-fallback');
    expect(fallback).toMatchObject({ requestedModel: 'gpt-4o-mini', model: 'gpt-4.1-nano', requestId: response.headers.get('x-warden-request-id') });
    const [commit] = await harness.rows('reservation-commit');
    expect(commit).toMatchObject({ status: 'ok', model: 'gpt-4.1-nano', costInNanoUsd: 9_000 });
    expect(commit?.data).toMatchObject({ fallbacks: 1, fallbackFrom: ['gpt-4o-mini'] });
  });

  it('falls back on a stream too, before any byte reached the client', async () => {
    harness = await createGatewayHarness({ config: { fallbacks: { 'gpt-4o-mini': ['gpt-4.1-nano'] }, retry: { maxRetries: 0 } } });
    harness.mock.setScript([{ type: 'overloaded' }]);
    const { openai } = await harness.client();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true });
    const models = new Set<string>();
    for await (const chunk of stream) models.add(chunk.model);
    expect([...models]).toEqual(['gpt-4.1-nano']);
    expect(harness.mock.requests.map((request) => request.status)).toEqual([503, 200]);
    expect(await harness.rows('call-fallback')).toHaveLength(1);
  });

  it('answers 502 in the OpenAI shape when every model failed, and the client does not retry it', async () => {
    harness = await createGatewayHarness({ config: { fallbacks: { 'gpt-4o-mini': ['gpt-4.1-nano'] }, retry: { maxRetries: 0 } } });
    harness.mock.setBehavior({ fault: { type: 'server-error' } });
    const { openai } = await harness.client();
    const error = (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }).catch((caught: unknown) => caught)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_error');
    expect(error.headers?.get('x-should-retry')).toBe('false');
    expect(harness.received).toHaveLength(1);
    expect(harness.mock.requests).toHaveLength(2);
  });

  it('falls back across dialects: an OpenAI chat call answered by an Anthropic model, JSON and streamed', async () => {
    harness = await createGatewayHarness({ config: { fallbacks: { 'gpt-4o-mini': ['claude-haiku-4-5'] }, retry: { maxRetries: 0 } } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    harness.mock.setScript([{ type: 'server-error' }]);
    const { openai } = await harness.client();
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }).withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 20 });
    expect(response.headers.get('x-warden-model')).toBe('claude-haiku-4-5');
    // claude-haiku-4-5: 10 × $1/M + 20 × $5/M
    expect(response.headers.get('x-warden-cost-usd')).toBe('0.00011');

    harness.mock.setScript([{ type: 'server-error' }]);
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(data.choices[0]?.message.content);

    expect(harness.mock.requests.map((request) => [request.path, request.status])).toEqual([
      ['/v1/chat/completions', 500],
      ['/v1/messages', 200],
      ['/v1/chat/completions', 500],
      ['/v1/messages', 200],
    ]);
    expect(harness.mock.requests[1]?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 50 });
    const fallbacks = await harness.rows('call-fallback');
    expect(fallbacks.map((row) => [row.requestedModel, row.model])).toEqual([
      ['gpt-4o-mini', 'claude-haiku-4-5'],
      ['gpt-4o-mini', 'claude-haiku-4-5'],
    ]);
    const commits = await harness.rows('reservation-commit');
    expect(commits.map((row) => [row.model, row.provider, row.costInNanoUsd, row.data?.stream])).toEqual([
      ['claude-haiku-4-5', 'anthropic', 110_000, false],
      ['claude-haiku-4-5', 'anthropic', 110_000, true],
    ]);
  });
});
