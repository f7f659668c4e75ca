import { describe, expect, it } from 'vitest';
import { chooseMaxTokens, type MaxTokensRequest } from './choose-max-tokens.js';
import type { ModelPrice } from './model-price.js';

// gpt-4o-mini: input $0.15/MTok = 150,000 pico/token, output $0.60/MTok = 600,000 pico/token
const price: ModelPrice = {
  model: 'gpt-4o-mini',
  provider: 'openai',
  base: { inputPicoPerToken: 150_000, outputPicoPerToken: 600_000, cacheReadPicoPerToken: 75_000, cacheWritePicoPerToken: 150_000, cacheWriteLongPicoPerToken: 150_000 },
  tiers: [],
  maxOutputTokens: 16_384,
  source: 'catalogue',
};

const base: MaxTokensRequest = { price, inputTokens: 1000, defaultMaxOutputTokens: 4096, clamp: true, minUsefulOutputTokens: 64 };

describe('chooseMaxTokens', () => {
  it('uses the requested max_tokens when the budget covers it', () => {
    const decision = chooseMaxTokens({ ...base, requestedMaxTokens: 500, affordableInNanoUsd: 10_000_000 });
    // 1000 × 150,000 + 500 × 600,000 = 450,000,000 pico = 450,000 nano
    expect(decision).toEqual({ ok: true, maxTokens: 500, estimateInNanoUsd: 450_000, inputCostInNanoUsd: 150_000, clamped: false });
  });

  it("caps at the model's output limit when the request asks for none or more", () => {
    expect(chooseMaxTokens({ ...base }).ok && chooseMaxTokens({ ...base })).toMatchObject({ maxTokens: 16_384 });
    expect(chooseMaxTokens({ ...base, requestedMaxTokens: 1_000_000 })).toMatchObject({ maxTokens: 16_384 });
    const unknownLimit = { ...price, maxOutputTokens: undefined };
    expect(chooseMaxTokens({ ...base, price: unknownLimit })).toMatchObject({ maxTokens: 4096 });
  });

  it('clamps to what the budget can afford', () => {
    // affordable 210,000 nano = 210,000,000 pico; input takes 150,000,000; 60,000,000 / 600,000 = 100 tokens
    const decision = chooseMaxTokens({ ...base, requestedMaxTokens: 500, affordableInNanoUsd: 210_000 });
    expect(decision).toEqual({ ok: true, maxTokens: 100, estimateInNanoUsd: 210_000, inputCostInNanoUsd: 150_000, clamped: true });
  });

  it('refuses when even the useful minimum does not fit', () => {
    // minimum: 1000 × 150,000 + 64 × 600,000 = 188,400,000 pico = 188,400 nano
    const decision = chooseMaxTokens({ ...base, requestedMaxTokens: 500, affordableInNanoUsd: 188_399 });
    expect(decision).toMatchObject({ ok: false, minimumInNanoUsd: 188_400, estimateInNanoUsd: 450_000 });
    expect(chooseMaxTokens({ ...base, requestedMaxTokens: 500, affordableInNanoUsd: 188_400 })).toMatchObject({ ok: true, maxTokens: 64 });
  });

  it('refuses instead of clamping when clamping is off', () => {
    expect(chooseMaxTokens({ ...base, clamp: false, requestedMaxTokens: 500, affordableInNanoUsd: 449_999 }).ok).toBe(false);
  });

  it('prices input at the cache-write rate when the request writes the cache', () => {
    const anthropic: ModelPrice = { ...price, base: { ...price.base, cacheWritePicoPerToken: 187_500, cacheWriteLongPicoPerToken: 300_000 } };
    const decision = chooseMaxTokens({ ...base, price: anthropic, inputMayWriteCache: true, requestedMaxTokens: 10 });
    // 1000 × 300,000 + 10 × 600,000 = 306,000,000 pico
    expect(decision).toMatchObject({ ok: true, estimateInNanoUsd: 306_000 });
  });

  it('never returns an estimate above what is affordable when clamped', () => {
    for (let affordable = 188_400; affordable < 460_000; affordable += 997) {
      const decision = chooseMaxTokens({ ...base, requestedMaxTokens: 500, affordableInNanoUsd: affordable });
      expect(decision.ok).toBe(true);
      expect(decision.estimateInNanoUsd).toBeLessThanOrEqual(affordable);
    }
  });
});
