import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  countMockOutputTokens,
  createMockUpstream,
  mockOutputText,
  type MockUpstream,
} from '../../src/providers/simulated/index.js';

let upstream: MockUpstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  upstream = await createMockUpstream();
  openai = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'test', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: upstream.url, apiKey: 'test', maxRetries: 0 });
});
afterEach(() => upstream.reset());
afterAll(() => upstream.close());

// "Say hello" is 9 characters: 3 reply priming + 4 message framing + ceil(9 / 4) = 10 input tokens.
const userMessage = { role: 'user' as const, content: 'Say hello' };
const expectedInputTokens = 10;

describe('OpenAI chat completions', () => {
  it('answers JSON with the default 64 tokens of text and exact usage', async () => {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [userMessage] });
    const content = completion.choices[0]?.message.content ?? '';
    expect(content).toBe(mockOutputText(64));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({
      prompt_tokens: expectedInputTokens,
      completion_tokens: countMockOutputTokens(content),
      total_tokens: expectedInputTokens + 64,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(upstream.requests[0]).toMatchObject({ path: '/v1/chat/completions', outcome: 'completed', status: 200 });
  });

  it('streams one token per chunk and a final choices-less usage chunk when include_usage is set', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [userMessage],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(countMockOutputTokens(text));
    expect(last?.usage?.prompt_tokens).toBe(expectedInputTokens);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? '') !== '')).toHaveLength(64);
  });

  it('streams no usage at all without include_usage', async () => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [userMessage], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage !== undefined && chunk.usage !== null)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('honours max_tokens: truncated text, finish_reason length', async () => {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [userMessage], max_tokens: 5 });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(5);
    expect(completion.choices[0]?.message.content).toBe(mockOutputText(5));
  });

  it('spends reasoning tokens on reasoning models, inside max_completion_tokens', async () => {
    const completion = await openai.chat.completions.create({
      model: 'o4-mini',
      messages: [userMessage],
      max_completion_tokens: 40,
    });
    // 32 reasoning tokens come first; 8 are left for text.
    expect(completion.usage?.completion_tokens).toBe(40);
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(32);
    expect(countMockOutputTokens(completion.choices[0]?.message.content ?? '')).toBe(8);
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('takes the output length from the x-mock-output-tokens header', async () => {
    const completion = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [userMessage] },
      { headers: { 'x-mock-output-tokens': '7' } },
    );
    expect(completion.usage?.completion_tokens).toBe(7);
  });
});

describe('OpenAI responses', () => {
  it('answers JSON whose output_text matches output_tokens', async () => {
    const response = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Say hello' });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe(mockOutputText(64));
    expect(response.usage).toMatchObject({ input_tokens: expectedInputTokens, output_tokens: 64, total_tokens: 74 });
  });

  it('streams the documented event sequence with a sequence_number on every event', async () => {
    const stream = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Say hello', stream: true }, { headers: { 'x-mock-output-tokens': '3' } });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const completed = events.at(-1);
    expect(completed?.type === 'response.completed' && completed.response.usage?.output_tokens).toBe(3);
  });

  it('marks a response cut by max_output_tokens incomplete', async () => {
    const response = await openai.responses.create({ model: 'gpt-5-mini', input: 'Say hello', max_output_tokens: 36 });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details?.reason).toBe('max_output_tokens');
    expect(response.usage?.output_tokens).toBe(36);
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(32);
    expect(countMockOutputTokens(response.output_text)).toBe(4);
  });
});

describe('OpenAI embeddings and models', () => {
  it('returns small deterministic vectors through the SDK default base64 encoding', async () => {
    const first = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'] });
    const second = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'] });
    expect(first.data).toHaveLength(2);
    expect(first.data[0]?.embedding).toHaveLength(8);
    expect(first.data[0]?.embedding).toEqual(second.data[0]?.embedding);
    expect(first.data[0]?.embedding).not.toEqual(first.data[1]?.embedding);
    // ceil(5 / 4) + ceil(10 / 4)
    expect(first.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
  });

  it('lists models', async () => {
    const page = await openai.models.list();
    expect(page.data.map((model) => model.id)).toContain('gpt-4o-mini');
  });
});

describe('Anthropic messages', () => {
  it('answers JSON with exact usage and end_turn', async () => {
    const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [userMessage] });
    const block = message.content[0];
    const text = block?.type === 'text' ? block.text : '';
    expect(text).toBe(mockOutputText(64));
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({
      input_tokens: expectedInputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 64,
    });
  });

  it('streams message_start … message_stop and the SDK accumulates the final usage', async () => {
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [userMessage] });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const message = await stream.finalMessage();
    // The SDK swallows ping; the raw framing test below sees it.
    expect(types.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(types.filter((type) => type === 'content_block_delta')).toHaveLength(64);
    expect(message.usage.output_tokens).toBe(64);
    expect(message.usage.input_tokens).toBe(expectedInputTokens);
  });

  it('frames every event with an event: line that names its data type, ping included', async () => {
    const response = await fetch(`${upstream.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 2, stream: true, messages: [userMessage] }),
    });
    const frames = (await response.text()).split('\n\n').filter((frame) => frame !== '');
    const pairs = frames.map((frame) => {
      const [eventLine = '', dataLine = ''] = frame.split('\n');
      const data: unknown = JSON.parse(dataLine.slice('data: '.length));
      return [eventLine.slice('event: '.length), (data as { type: string }).type];
    });
    expect(pairs.every(([event, type]) => event === type)).toBe(true);
    expect(pairs.map(([event]) => event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('honours max_tokens with stop_reason max_tokens', async () => {
    const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 6, messages: [userMessage] });
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(6);
    expect(message.usage.output_tokens).toBeLessThanOrEqual(6);
  });

  it('thinks first when thinking is enabled, within budget_tokens', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [userMessage],
    });
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    expect(message.usage.output_tokens).toBe(32 + 64);
    expect(message.usage.output_tokens_details?.thinking_tokens).toBe(32);
  });
});
