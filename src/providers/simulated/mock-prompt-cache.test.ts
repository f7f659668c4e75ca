import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../core/clock.js';
import { tallyAnthropicInput, tallyOpenAiChatInput } from './mock-input-tokens.js';
import { createMockPromptCache } from './mock-prompt-cache.js';

const longText = 'x'.repeat(8000);

describe('mock prompt cache', () => {
  it('matches the longest repeated message prefix for OpenAI, then expires it after five minutes', () => {
    const clock = createManualClock(0);
    const cache = createMockPromptCache({ clock, minimumCacheableTokens: 1024 });
    const first = { model: 'm', messages: [{ role: 'user', content: longText }] };
    const followUp = { model: 'm', messages: [...first.messages, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }] };
    expect(cache.matchAutomatic(tallyOpenAiChatInput(first, true).boundaries)).toBe(0);
    // The first message ends at 3 + 4 + 2000 = 2007 tokens: 15 whole blocks of 128.
    expect(cache.matchAutomatic(tallyOpenAiChatInput(followUp, true).boundaries)).toBe(1920);
    clock.advance(5 * 60_000 + 1);
    expect(cache.matchAutomatic(tallyOpenAiChatInput(followUp, true).boundaries)).toBe(0);
  });

  it('keeps models apart and ignores prefixes under the minimum', () => {
    const cache = createMockPromptCache({ clock: createManualClock(0), minimumCacheableTokens: 1024 });
    const request = { model: 'a', messages: [{ role: 'user', content: longText }] };
    cache.matchAutomatic(tallyOpenAiChatInput(request, true).boundaries);
    expect(cache.matchAutomatic(tallyOpenAiChatInput({ ...request, model: 'b' }, true).boundaries)).toBe(0);
    const short = { model: 'a', messages: [{ role: 'user', content: 'short' }] };
    cache.matchAutomatic(tallyOpenAiChatInput(short, true).boundaries);
    expect(cache.matchAutomatic(tallyOpenAiChatInput(short, true).boundaries)).toBe(0);
  });

  it('writes at the last Anthropic breakpoint with its ttl, then reads it', () => {
    const cache = createMockPromptCache({ clock: createManualClock(0), minimumCacheableTokens: 1024 });
    const request = {
      model: 'claude',
      system: [{ type: 'text', text: longText, cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: 'hi' }],
    };
    const boundaries = tallyAnthropicInput(request, true).boundaries;
    expect(cache.matchBreakpoints(boundaries)).toEqual({ readTokens: 0, writeTokens: 2007, writeLongTokens: 2007 });
    expect(cache.matchBreakpoints(boundaries)).toEqual({ readTokens: 2007, writeTokens: 0, writeLongTokens: 0 });
  });

  it('does nothing without a breakpoint', () => {
    const cache = createMockPromptCache({ clock: createManualClock(0), minimumCacheableTokens: 1024 });
    const boundaries = tallyAnthropicInput({ model: 'c', messages: [{ role: 'user', content: longText }] }, true).boundaries;
    cache.matchBreakpoints(boundaries);
    expect(cache.matchBreakpoints(boundaries)).toEqual({ readTokens: 0, writeTokens: 0, writeLongTokens: 0 });
  });
});
