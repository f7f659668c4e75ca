import { describe, expect, it } from 'vitest';
import { frameFixtureStream, parseChunks } from '../../../test/fixture-streams.js';
import { createSseParser, type SseEvent } from '../../core/sse-parser.js';
import { createUsage } from '../../core/usage.js';
import type { StreamUsage } from '../stream-usage.js';
import { createOpenAIResponsesStreamUsage, readOpenAIResponsesUsage } from './openai-responses-usage.js';

function recordedEvents(name: string): SseEvent[] {
  return parseChunks(createSseParser(), [frameFixtureStream(`openai-responses/${name}`)]);
}

function feed(events: SseEvent[]): StreamUsage {
  const responsesUsage = createOpenAIResponsesStreamUsage();
  for (const event of events) responsesUsage.push(event);
  return responsesUsage;
}

function withEventLines(events: SseEvent[]): SseEvent[] {
  return events.map((event) => ({ event: (JSON.parse(event.data) as { type: string }).type, data: event.data }));
}

describe('createOpenAIResponsesStreamUsage', () => {
  it('gives the same result with and without `event:` lines, as the live API sends them', () => {
    for (const name of ['openai-phase.1.chunks.txt', 'openai-issue-11239.1.chunks.txt', 'openai-error.1.chunks.txt']) {
      const plain = feed(recordedEvents(name));
      const named = feed(withEventLines(recordedEvents(name)));
      expect([named.usage, named.model, named.generatedCharacters, named.error]).toEqual([plain.usage, plain.model, plain.generatedCharacters, plain.error]);
    }
  });

  it('has no usage before response.completed, but counts what was generated', () => {
    const events = recordedEvents('openai-issue-11239.2.chunks.txt');
    const abandoned = feed(events.slice(0, -1));
    expect(abandoned.usage).toBeUndefined();
    expect(abandoned.isUsageFinal).toBe(false);
    expect(abandoned.generatedCharacters).toBe('Verification code for issue-11239 is blue-42.'.length);
    expect(abandoned.model).toBe('gpt-5.2-2025-12-11');
  });

  it('takes final usage from response.incomplete', () => {
    const usage = { input_tokens: 10, output_tokens: 64, output_tokens_details: { reasoning_tokens: 64 } };
    const responsesUsage = feed([{ data: JSON.stringify({ type: 'response.incomplete', response: { model: 'o3', status: 'incomplete', usage } }) }]);
    expect(responsesUsage.isUsageFinal).toBe(true);
    expect(responsesUsage.usage).toEqual(createUsage({ inputTokens: 10, outputTokens: 64, reasoningTokens: 64 }));
  });

  it('surfaces the flat documented error event and the error of response.failed', () => {
    const flat = feed([{ event: 'error', data: '{"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null}' }]);
    expect(flat.error).toEqual({ type: undefined, code: 'rate_limit_exceeded', message: 'Slow down' });
    const failed = feed([{ data: '{"type":"response.failed","response":{"model":"o3","error":{"code":"server_error","message":"Boom"},"usage":null}}' }]);
    expect(failed.error).toEqual({ type: undefined, code: 'server_error', message: 'Boom' });
    expect(failed.isUsageFinal).toBe(false);
  });
});

describe('readOpenAIResponsesUsage', () => {
  it('subtracts cached and cache-write tokens from input_tokens', () => {
    const usage = { input_tokens: 1000, input_tokens_details: { cached_tokens: 300, cache_write_tokens: 200 }, output_tokens: 50 };
    expect(readOpenAIResponsesUsage({ model: 'gpt-5.2', usage }).usage).toEqual(
      createUsage({ inputTokens: 500, cacheReadTokens: 300, cacheWriteTokens: 200, outputTokens: 50 }),
    );
  });
});
