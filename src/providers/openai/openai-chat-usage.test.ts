import { describe, expect, it } from 'vitest';
import { frameFixtureStream, parseChunks } from '../../../test/fixture-streams.js';
import { createSseParser } from '../../core/sse-parser.js';
import { createUsage } from '../../core/usage.js';
import { createOpenAIChatStreamUsage, readOpenAIChatUsage } from './openai-chat-usage.js';

function recordedEvents(name: string) {
  return parseChunks(createSseParser(), [frameFixtureStream(`openai-chat/${name}`)]);
}

describe('createOpenAIChatStreamUsage', () => {
  it('marks only the final choices-empty chunk with usage as usage-only, then [DONE] as done', () => {
    const chatUsage = createOpenAIChatStreamUsage();
    const kinds = recordedEvents('openai-text.chunks.txt').map((event) => chatUsage.push(event));
    expect(kinds.slice(-2)).toEqual(['usage-only', 'done']);
    expect(kinds.slice(0, -2).every((kind) => kind === 'chunk')).toBe(true);
  });

  it("does not mistake Azure's leading choices-empty chunk for the usage chunk", () => {
    const chatUsage = createOpenAIChatStreamUsage();
    const kinds = recordedEvents('azure-model-router.1.chunks.txt').map((event) => chatUsage.push(event));
    expect(kinds[0]).toBe('chunk');
    expect(kinds.filter((kind) => kind === 'usage-only')).toHaveLength(1);
    expect(chatUsage.model).toBe('gpt-5-nano-2025-08-07');
  });

  it('has no usage but counts generated characters when the stream is abandoned', () => {
    const chatUsage = createOpenAIChatStreamUsage();
    for (const event of recordedEvents('openai-text.chunks.txt').slice(0, 4)) chatUsage.push(event);
    // Deltas so far: "", "**", "Holiday", " Name".
    expect(chatUsage.generatedCharacters).toBe('**Holiday Name'.length);
    expect(chatUsage.usage).toBeUndefined();
    expect(chatUsage.isUsageFinal).toBe(false);
    expect(chatUsage.model).toBe('gpt-4.1-nano-2025-04-14');
  });

  it('counts tool-call arguments and refusals', () => {
    const chatUsage = createOpenAIChatStreamUsage();
    const delta = { refusal: 'no', tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }, { index: 1, function: { name: 'x' } }] };
    expect(chatUsage.push({ data: JSON.stringify({ model: 'm', choices: [{ index: 0, delta }] }) })).toBe('chunk');
    expect(chatUsage.generatedCharacters).toBe(2 + 7);
  });

  it('takes usage from a chunk that also has choices, without calling it usage-only', () => {
    const chatUsage = createOpenAIChatStreamUsage();
    const chunk = { choices: [{ index: 0, delta: { content: 'hi' } }], usage: { prompt_tokens: 5, completion_tokens: 2 } };
    expect(chatUsage.push({ data: JSON.stringify(chunk) })).toBe('chunk');
    expect(chatUsage.usage).toEqual(createUsage({ inputTokens: 5, outputTokens: 2 }));
  });

  it('surfaces an error chunk and ignores payloads that are not JSON objects', () => {
    const chatUsage = createOpenAIChatStreamUsage();
    expect(chatUsage.push({ data: '{"error":{"message":"The server had an error","type":"server_error","code":null}}' })).toBe('error');
    expect(chatUsage.push({ data: 'not json' })).toBe('unparsed');
    expect(chatUsage.push({ data: '[1,2]' })).toBe('unparsed');
    expect(chatUsage.error).toEqual({ type: 'server_error', code: undefined, message: 'The server had an error' });
    expect(chatUsage.usage).toBeUndefined();
  });
});

describe('readOpenAIChatUsage', () => {
  it('subtracts cached tokens from prompt_tokens and keeps reasoning inside output', () => {
    const body = {
      model: 'o3',
      usage: { prompt_tokens: 100, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 30 } },
    };
    expect(readOpenAIChatUsage(body).usage).toEqual(createUsage({ inputTokens: 60, cacheReadTokens: 40, outputTokens: 50, reasoningTokens: 30 }));
  });

  it('has no usage for a body without one, or a body that is not an object', () => {
    expect(readOpenAIChatUsage({ model: 'gpt-4o', usage: null })).toEqual({ usage: undefined, model: 'gpt-4o', error: undefined });
    expect(readOpenAIChatUsage('oops')).toEqual({ usage: undefined, model: undefined, error: undefined });
  });
});
