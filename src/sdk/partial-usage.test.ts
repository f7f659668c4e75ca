import { describe, expect, it } from 'vitest';
import { createUsage } from '../core/usage.js';
import { partialUsage } from './partial-usage.js';
import type { PreparedCall } from './prepare-call.js';

// Only the fields partialUsage reads: the input bound and the max_tokens Warden sent.
const prepared = { input: { tokens: 40 }, maxTokens: 50 } as PreparedCall;

function stream(options: { usage?: ReturnType<typeof createUsage>; generatedCharacters: number }) {
  return { usage: options.usage, isUsageFinal: false, generatedCharacters: options.generatedCharacters, error: undefined };
}

describe('partialUsage', () => {
  it('bounds output by the characters streamed, with the input bound when the provider said nothing', () => {
    expect(partialUsage(prepared, stream({ generatedCharacters: 30 }))).toEqual(createUsage({ inputTokens: 40, outputTokens: 30 }));
  });

  it('never charges more output than the max_tokens sent: the provider cannot generate more, and the reservation covers exactly that', () => {
    expect(partialUsage(prepared, stream({ generatedCharacters: 400 })).outputTokens).toBe(50);
  });

  it('keeps what the provider reported, even above the character bound', () => {
    const reported = createUsage({ inputTokens: 12, outputTokens: 60 });
    expect(partialUsage(prepared, stream({ usage: reported, generatedCharacters: 400 }))).toEqual({ ...reported, outputTokens: 60 });
    expect(partialUsage(prepared, stream({ usage: createUsage({ inputTokens: 12, outputTokens: 1 }), generatedCharacters: 20 }))).toMatchObject({ inputTokens: 12, outputTokens: 20 });
  });
});
