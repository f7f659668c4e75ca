import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSseParser } from '../../src/core/sse-parser.js';
import { readAnthropicUsage, createAnthropicStreamUsage } from '../../src/providers/anthropic/anthropic-usage.js';
import { createOpenAIChatStreamUsage, readOpenAIChatUsage } from '../../src/providers/openai/openai-chat-usage.js';
import {
  createOpenAIResponsesStreamUsage,
  readOpenAIResponsesUsage,
} from '../../src/providers/openai/openai-responses-usage.js';
import type { StreamUsage } from '../../src/providers/stream-usage.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';

// The mock's recorded usage must be exactly what Warden's own parsers read from its wire format.
let upstream: MockUpstream;

beforeAll(async () => {
  upstream = await createMockUpstream();
});
afterEach(() => upstream.reset());
afterAll(() => upstream.close());

const openAiHeaders = { authorization: 'Bearer test', 'content-type': 'application/json' };
const anthropicHeaders = { 'x-api-key': 'test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
const longText = 'Warden keeps agents within budget. '.repeat(160);

async function post(path: string, body: Record<string, unknown>, headers: Record<string, string>): Promise<Response> {
  return fetch(`${upstream.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers });
}

async function readStream(response: Response, usage: StreamUsage): Promise<void> {
  const parser = createSseParser();
  for (const event of parser.push(new Uint8Array(await response.arrayBuffer()))) usage.push(event);
  for (const event of parser.end()) usage.push(event);
}

async function lastRecordedUsage(): Promise<unknown> {
  await upstream.idle();
  return upstream.requests.at(-1)?.usage;
}

describe('mock usage read back by Warden parsers', () => {
  const chatBody = { model: 'o4-mini', messages: [{ role: 'user', content: longText }], max_completion_tokens: 50 };

  it('OpenAI chat JSON and stream, with reasoning and a cache hit', async () => {
    await post('/v1/chat/completions', chatBody, openAiHeaders);
    const json = readOpenAIChatUsage(await (await post('/v1/chat/completions', chatBody, openAiHeaders)).json());
    expect(json.usage).toEqual(await lastRecordedUsage());
    expect(json.usage?.cacheReadTokens).toBeGreaterThan(0);
    expect(json.usage?.reasoningTokens).toBe(32);

    const streamUsage = createOpenAIChatStreamUsage();
    const body = { ...chatBody, stream: true, stream_options: { include_usage: true } };
    await readStream(await post('/v1/chat/completions', body, openAiHeaders), streamUsage);
    expect(streamUsage.isUsageFinal).toBe(true);
    expect(streamUsage.usage).toEqual(await lastRecordedUsage());
  });

  it('OpenAI responses JSON and stream', async () => {
    const body = { model: 'gpt-5-mini', input: longText, max_output_tokens: 1000 };
    const json = readOpenAIResponsesUsage(await (await post('/v1/responses', body, openAiHeaders)).json());
    expect(json.usage).toEqual(await lastRecordedUsage());
    const streamUsage = createOpenAIResponsesStreamUsage();
    await readStream(await post('/v1/responses', { ...body, stream: true }, openAiHeaders), streamUsage);
    expect(streamUsage.usage).toEqual(await lastRecordedUsage());
    expect(streamUsage.usage?.cacheReadTokens).toBeGreaterThan(0);
  });

  it('Anthropic JSON and stream, with thinking and a cache write then read', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      system: [{ type: 'text', text: longText, cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: 'Summarise.' }],
    };
    const json = readAnthropicUsage(await (await post('/v1/messages', body, anthropicHeaders)).json());
    expect(json.usage).toEqual(await lastRecordedUsage());
    expect(json.usage?.cacheWriteTokens).toBeGreaterThan(0);
    expect(json.usage?.cacheWriteLongTokens).toBe(json.usage?.cacheWriteTokens);
    const streamUsage = createAnthropicStreamUsage();
    await readStream(await post('/v1/messages', { ...body, stream: true }, anthropicHeaders), streamUsage);
    expect(streamUsage.usage).toEqual(await lastRecordedUsage());
    expect(streamUsage.usage?.cacheReadTokens).toBe(json.usage?.cacheWriteTokens);
  });
});
