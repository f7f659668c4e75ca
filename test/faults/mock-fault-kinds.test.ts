import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';

// The faults the mock upstream plays for the fault suite, checked against the mock alone.
let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await createMockUpstream({ behavior: { outputTokens: 8, inputTokens: 10 } });
});
afterEach(() => upstream.reset());
afterAll(() => upstream.close());

const userMessage = { role: 'user' as const, content: 'Say hello' };

function post(path: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  const dialectHeaders: Record<string, string> = path === '/v1/messages' ? { 'x-api-key': 'test', 'anthropic-version': '2023-06-01' } : { authorization: 'Bearer test' };
  return fetch(`${upstream.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...dialectHeaders, ...headers }, body: JSON.stringify(body) });
}

/** The `data:` payloads of an SSE body, in order. */
function dataLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
}

describe('rate limits without Retry-After', () => {
  it('answers 429 with no retry-after headers when the fault asks for none', async () => {
    upstream.setBehavior({ fault: { type: 'rate-limit', withoutRetryAfter: true } });
    const answer = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [userMessage] });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBeNull();
    expect(answer.headers.get('retry-after-ms')).toBeNull();
    expect(await answer.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });
});

describe('reset-mid-body', () => {
  it('sends 200 and half a JSON body, then cuts the connection', async () => {
    const answer = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [userMessage] }, { 'x-mock-error': 'reset-mid-body' });
    expect(answer.status).toBe(200);
    await expect(answer.text()).rejects.toThrow();
    await upstream.idle();
    expect(upstream.requests[0]).toMatchObject({ fault: 'reset-mid-body', outcome: 'disconnected' });
    await expect(
      new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'test', maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [userMessage] }, { headers: { 'x-mock-error': 'reset-mid-body' } }),
    ).rejects.toThrow();
  });

  it('cuts a stream once half its output tokens are out', async () => {
    const stream = new Anthropic({ baseURL: upstream.url, apiKey: 'test', maxRetries: 0 }).messages.stream(
      { model: 'claude-haiku-4-5', max_tokens: 100, messages: [userMessage] },
      { headers: { 'x-mock-error': 'reset-mid-body', 'x-mock-chunk-interval-ms': '1' } },
    );
    await expect(stream.finalMessage()).rejects.toThrow();
    await upstream.idle();
    expect(upstream.requests[0]).toMatchObject({ outcome: 'disconnected', outputTokensSent: 4 });
  });
});

describe('malformed-sse', () => {
  it('slips one truncated-JSON event into an OpenAI stream after the given tokens, then ends it normally', async () => {
    const answer = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [userMessage], stream: true }, { 'x-mock-error': 'malformed-sse', 'x-mock-disconnect-after-tokens': '2' });
    const lines = dataLines(await answer.text());
    const broken = lines.filter((line) => !isJson(line) && line !== '[DONE]');
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^\{"id":"chatcmpl-mock/);
    const before = lines.slice(0, lines.indexOf(broken[0] as string)).map((line) => JSON.parse(line) as { choices: Array<{ delta: { content?: string } }> });
    expect(before.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('').split(' ')).toHaveLength(2);
    expect(lines.at(-1)).toBe('[DONE]');
  });

  it('does the same to an Anthropic stream, which still ends with message_stop', async () => {
    const answer = await post('/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 100, messages: [userMessage], stream: true }, { 'x-mock-error': 'malformed-sse' });
    const text = await answer.text();
    const broken = dataLines(text).filter((line) => !isJson(line));
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^\{"type":"content_block_delta"/);
    expect(text.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);
  });
});

describe('no-usage', () => {
  it('streams OpenAI chunks to [DONE] without the usage chunk, even when asked for it', async () => {
    const answer = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [userMessage], stream: true, stream_options: { include_usage: true } }, { 'x-mock-error': 'no-usage' });
    const lines = dataLines(await answer.text());
    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line) as { usage?: unknown; choices: Array<{ finish_reason: string | null }> });
    expect(chunks.every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('leaves usage out of JSON answers and of Anthropic and Responses streams', async () => {
    const chat = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [userMessage] }, { 'x-mock-error': 'no-usage' });
    const chatBody = (await chat.json()) as Record<string, unknown>;
    expect(chatBody.choices).toBeDefined();
    expect('usage' in chatBody).toBe(false);

    const messages = await post('/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 100, messages: [userMessage], stream: true }, { 'x-mock-error': 'no-usage' });
    const events = dataLines(await messages.text()).map((line) => JSON.parse(line) as { type: string; usage?: unknown; message?: { usage?: unknown } });
    expect(events.at(-1)?.type).toBe('message_stop');
    expect(events.some((event) => event.usage !== undefined || event.message?.usage !== undefined)).toBe(false);

    const responses = await post('/v1/responses', { model: 'gpt-4o-mini', input: 'hi', stream: true }, { 'x-mock-error': 'no-usage' });
    const completed = dataLines(await responses.text())
      .map((line) => JSON.parse(line) as { type: string; response?: { usage: unknown } })
      .find((event) => event.type === 'response.completed');
    expect(completed?.response?.usage).toBeNull();
    // What the mock would have reported stays on its record, for tests to compare a charge against.
    expect(upstream.requests.every((request) => request.usage !== undefined)).toBe(true);
  });
});

describe('header strictness', () => {
  it('rejects an unknown x-mock-error and names the new faults among the choices', async () => {
    const answer = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [userMessage] }, { 'x-mock-error': 'half-body' });
    expect(answer.status).toBe(400);
    const { error } = (await answer.json()) as { error: { message: string } };
    expect(error.message).toMatch(/reset-mid-body/);
    expect(error.message).toMatch(/malformed-sse/);
    expect(error.message).toMatch(/no-usage/);
  });

  it('rejects a malformed token count for malformed-sse', async () => {
    const answer = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [userMessage], stream: true }, { 'x-mock-error': 'malformed-sse', 'x-mock-disconnect-after-tokens': 'two' });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(/x-mock-disconnect-after-tokens/);
  });
});
