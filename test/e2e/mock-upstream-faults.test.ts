import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';

let upstream: MockUpstream;

beforeAll(async () => {
  upstream = await createMockUpstream();
});
afterEach(() => upstream.reset());
afterAll(() => upstream.close());

const userMessage = { role: 'user' as const, content: 'Say hello' };

function openAiClient(options: { maxRetries?: number; timeout?: number } = {}): OpenAI {
  return new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'test', maxRetries: 0, ...options });
}

function anthropicClient(options: { maxRetries?: number } = {}): Anthropic {
  return new Anthropic({ baseURL: upstream.url, apiKey: 'test', maxRetries: 0, ...options });
}

function sleep(durationInMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationInMs));
}

describe('rate limits and retries', () => {
  it('surfaces a 429 with Retry-After to the OpenAI SDK in its error shape', async () => {
    upstream.setBehavior({ fault: { type: 'rate-limit', retryAfterInMs: 2500 } });
    const error: unknown = await openAiClient()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [userMessage] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('3');
    expect(rateLimit.headers.get('retry-after-ms')).toBe('2500');
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(upstream.requests[0]).toMatchObject({ status: 429, outcome: 'failed', fault: 'rate-limit' });
  });

  it('surfaces a 429 to the Anthropic SDK as rate_limit_error', async () => {
    const error: unknown = await anthropicClient()
      .messages.create(
        { model: 'claude-haiku-4-5', max_tokens: 10, messages: [userMessage] },
        { headers: { 'x-mock-error': 'rate-limit' } },
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const rateLimit = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rateLimit.headers.get('retry-after')).toBe('1');
    expect(rateLimit.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('fails the next request once, then lets the SDK retry succeed', async () => {
    upstream.failNext(1, { type: 'rate-limit', retryAfterInMs: 10 });
    const completion = await openAiClient({ maxRetries: 2 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [userMessage] });
    expect(completion.usage?.completion_tokens).toBe(64);
    expect(upstream.requests.map((request) => request.status)).toEqual([429, 200]);
    expect(upstream.requests[1]?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('plays a script of Anthropic 529 then 500 then success through the SDK retries', async () => {
    upstream.setScript([{ type: 'overloaded', retryAfterInMs: 1 }, { type: 'server-error', retryAfterInMs: 1 }, null]);
    const message = await anthropicClient({ maxRetries: 3 }).messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      messages: [userMessage],
    });
    expect(message.usage.output_tokens).toBe(10);
    expect(upstream.requests.map((request) => request.status)).toEqual([529, 500, 200]);
  });
});

describe('aborts, timeouts and disconnects', () => {
  it('records a client abort mid-stream and stops generating', async () => {
    const stream = await openAiClient().chat.completions.create(
      { model: 'gpt-4o-mini', messages: [userMessage], stream: true },
      { headers: { 'x-mock-output-tokens': '500', 'x-mock-chunk-interval-ms': '10' } },
    );
    let received = 0;
    for await (const chunk of stream) {
      if ((chunk.choices[0]?.delta.content ?? '') !== '') received += 1;
      if (received === 3) break;
    }
    await upstream.idle();
    const record = upstream.requests[0];
    expect(record?.outcome).toBe('aborted');
    const sent = record?.outputTokensSent ?? 0;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(sent).toBeLessThan(500);
    await sleep(50);
    expect(record?.outputTokensSent).toBe(sent);
  });

  it('holds a timed-out request until the client gives up', async () => {
    const error: unknown = await openAiClient({ timeout: 200 })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [userMessage] }, { headers: { 'x-mock-error': 'timeout' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await upstream.idle();
    expect(upstream.requests[0]).toMatchObject({ fault: 'timeout', outcome: 'aborted', status: undefined });
  });

  it('cuts a stream after the given number of tokens', async () => {
    const stream = anthropicClient().messages.stream(
      { model: 'claude-haiku-4-5', max_tokens: 100, messages: [userMessage] },
      { headers: { 'x-mock-error': 'disconnect', 'x-mock-disconnect-after-tokens': '5' } },
    );
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    await upstream.idle();
    expect(upstream.requests[0]).toMatchObject({ outcome: 'disconnected', outputTokensSent: 5 });
    expect(text.split(' ')).toHaveLength(5);
  });

  it('cuts a JSON request before answering', async () => {
    upstream.setBehavior({ fault: { type: 'disconnect' } });
    await expect(openAiClient().embeddings.create({ model: 'text-embedding-3-small', input: 'x' })).rejects.toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
    await upstream.idle();
    expect(upstream.requests[0]?.outcome).toBe('disconnected');
  });

  it('waits x-mock-latency-ms before the first byte', async () => {
    const startedAtInMs = Date.now();
    await openAiClient().chat.completions.create(
      { model: 'gpt-4o-mini', messages: [userMessage] },
      { headers: { 'x-mock-latency-ms': '120' } },
    );
    expect(Date.now() - startedAtInMs).toBeGreaterThanOrEqual(115);
  });
});

describe('auth and validation', () => {
  const post = (path: string, body: string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${upstream.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('answers 401 in the OpenAI dialect without a bearer key', async () => {
    const response = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [userMessage] }), {});
    expect(response.status).toBe(401);
    const body: unknown = await response.json();
    expect(body).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
  });

  it('answers 401 in the Anthropic dialect without a key, 400 without anthropic-version', async () => {
    const body = JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [userMessage] });
    const missingKey = await post('/v1/messages', body, { 'anthropic-version': '2023-06-01' });
    expect(missingKey.status).toBe(401);
    expect(await missingKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const missingVersion = await post('/v1/messages', body, { 'x-api-key': 'test' });
    expect(missingVersion.status).toBe(400);
  });

  it('accepts only the configured keys when apiKeys is set', async () => {
    const strict = await createMockUpstream({ apiKeys: ['sk-right'] });
    const wrong = new OpenAI({ baseURL: `${strict.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    const right = new OpenAI({ baseURL: `${strict.url}/v1`, apiKey: 'sk-right', maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(right.models.list()).resolves.toBeDefined();
    await strict.close();
  });

  it('answers 400 on bad JSON and on a missing model, in each dialect', async () => {
    const badJson = await post('/v1/chat/completions', '{"model":', { authorization: 'Bearer test' });
    expect(badJson.status).toBe(400);
    const noModel = await post('/v1/messages', JSON.stringify({ max_tokens: 5, messages: [userMessage] }), {
      'x-api-key': 'test',
      'anthropic-version': '2023-06-01',
    });
    expect(noModel.status).toBe(400);
    expect(await noModel.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'model: Field required' } });
    await expect(
      openAiClient().chat.completions.create({ model: '', messages: [userMessage] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('rejects a malformed x-mock header instead of ignoring it', async () => {
    await expect(
      openAiClient().chat.completions.create({ model: 'gpt-4o-mini', messages: [userMessage] }, { headers: { 'x-mock-output-tokens': 'ten' } }),
    ).rejects.toThrow(/x-mock-output-tokens/);
  });
});

describe('prompt caching', () => {
  const longText = 'cache me '.repeat(600);

  it('reports OpenAI cached tokens inside prompt_tokens when a long prefix repeats', async () => {
    const client = openAiClient();
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: longText }] };
    const first = await client.chat.completions.create(request);
    const second = await client.chat.completions.create(request);
    // 3 + 4 + ceil(5400 / 4) = 1357 input tokens; the cache holds whole 128-token blocks.
    expect(first.usage?.prompt_tokens).toBe(1357);
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(second.usage?.prompt_tokens).toBe(1357);
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(1280);
  });

  it('writes then reads Anthropic cache_control prefixes, outside input_tokens', async () => {
    const client = anthropicClient();
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 5,
      system: [{ type: 'text' as const, text: longText, cache_control: { type: 'ephemeral' as const } }],
      messages: [userMessage],
    };
    const first = await client.messages.create(request);
    const second = await client.messages.create(request);
    // The breakpoint ends after 3 + 4 + 1350 = 1357 tokens; the user turn adds 4 + 3.
    expect(first.usage).toMatchObject({ input_tokens: 7, cache_creation_input_tokens: 1357, cache_read_input_tokens: 0 });
    expect(second.usage).toMatchObject({ input_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 1357 });
  });

  it('takes forced cached tokens from a header', async () => {
    const completion = await openAiClient().chat.completions.create(
      { model: 'gpt-4o-mini', messages: [userMessage] },
      { headers: { 'x-mock-input-tokens': '5000', 'x-mock-cached-tokens': '4096' } },
    );
    expect(completion.usage?.prompt_tokens).toBe(5000);
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(4096);
    expect(upstream.requests[0]?.usage).toMatchObject({ inputTokens: 904, cacheReadTokens: 4096 });
  });
});
