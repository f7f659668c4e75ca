import { describe, expect, it } from 'vitest';
import { frameFixtureStream, parseChunks } from '../../../test/fixture-streams.js';
import { createSseParser, type SseEvent } from '../../core/sse-parser.js';
import { createUsage } from '../../core/usage.js';
import type { StreamUsage } from '../stream-usage.js';
import { createAnthropicStreamUsage } from './anthropic-usage.js';

function recordedEvents(name: string): SseEvent[] {
  return parseChunks(createSseParser(), [frameFixtureStream(`anthropic-messages/${name}`)]);
}

function feed(events: SseEvent[]): StreamUsage {
  const anthropicUsage = createAnthropicStreamUsage();
  for (const event of events) anthropicUsage.push(event);
  return anthropicUsage;
}

function event(payload: Record<string, unknown>): SseEvent {
  return { event: String(payload.type), data: JSON.stringify(payload) };
}

describe('createAnthropicStreamUsage', () => {
  it('knows input and cache tokens from message_start, before the final count', () => {
    const started = feed(recordedEvents('anthropic-code-execution-20260120-prompt-cache.1.chunks.txt').slice(0, 1));
    expect(started.usage).toEqual(createUsage({ inputTokens: 2, cacheWriteTokens: 3_068, outputTokens: 69 }));
    expect(started.isUsageFinal).toBe(false);
    expect(started.model).toBe('claude-sonnet-5');
  });

  it('charges an abandoned stream from message_start plus what was generated', () => {
    // message_start, content_block_start, ping, then "Hello" and "! I".
    const abandoned = feed(recordedEvents('anthropic-text.chunks.txt').slice(0, 5));
    expect(abandoned.usage).toEqual(createUsage({ inputTokens: 12, outputTokens: 1 }));
    expect(abandoned.generatedCharacters).toBe('Hello! I'.length);
  });

  it('reads the same with or without `event:` lines', () => {
    const events = recordedEvents('anthropic-claude-sonnet-5-reasoning-summarized.chunks.txt');
    const unnamed = feed(events.map(({ data }) => ({ data })));
    const named = feed(events);
    expect([unnamed.usage, unnamed.generatedCharacters]).toEqual([named.usage, named.generatedCharacters]);
  });

  it('takes each field from message_delta when present, otherwise from message_start, never adding', () => {
    const anthropicUsage = feed([
      event({
        type: 'message_start',
        message: {
          model: 'claude-sonnet-4-5',
          usage: { input_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: 7, cache_creation: { ephemeral_1h_input_tokens: 60 }, output_tokens: 1 },
        },
      }),
      event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: null, cache_read_input_tokens: 9, output_tokens: 40 } }),
    ]);
    expect(anthropicUsage.usage).toEqual(createUsage({ inputTokens: 5, cacheWriteTokens: 100, cacheWriteLongTokens: 60, cacheReadTokens: 9, outputTokens: 40 }));
    expect(anthropicUsage.isUsageFinal).toBe(true);
  });

  it('surfaces an error event', () => {
    const failed = feed([event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]);
    expect(failed.error).toEqual({ type: 'overloaded_error', code: undefined, message: 'Overloaded' });
    expect(failed.usage).toBeUndefined();
  });
});
