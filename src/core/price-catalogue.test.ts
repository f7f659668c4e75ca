import { describe, expect, it } from 'vitest';
import { createManualClock } from './clock.js';
import { computeCost } from './compute-cost.js';
import type { ModelPrice } from './model-price.js';
import { createPriceCatalogue } from './price-catalogue.js';
import { createUsage } from './usage.js';
import { WardenError } from './warden-error.js';

const clock = createManualClock(Date.parse('2026-11-22T12:00:00Z'));

describe('createPriceCatalogue', () => {
  it('resolves catalogue prices into pico-USD per token', () => {
    const price = createPriceCatalogue({ clock }).resolve('gpt-4o-mini-2024-07-18', 'openai');
    expect(price.base).toEqual({
      inputPicoPerToken: 150_000,
      outputPicoPerToken: 600_000,
      cacheReadPicoPerToken: 75_000,
      cacheWritePicoPerToken: 150_000,
      cacheWriteLongPicoPerToken: 150_000,
    });
    expect(price.provider).toBe('openai');
    expect(price.maxOutputTokens).toBe(16_384);
    expect(price.contextWindowTokens).toBe(128_000);
  });

  it('keeps long-context tiers', () => {
    const price = createPriceCatalogue({ clock }).resolve('claude-sonnet-4-5-20250929', 'anthropic');
    expect(price.base.inputPicoPerToken).toBe(3_000_000);
    expect(price.base.cacheWriteLongPicoPerToken).toBe(6_000_000);
    expect(price.tiers).toEqual([
      {
        aboveInputTokens: 200_000,
        rates: {
          inputPicoPerToken: 6_000_000,
          outputPicoPerToken: 22_500_000,
          cacheReadPicoPerToken: 600_000,
          cacheWritePicoPerToken: 7_500_000,
          cacheWriteLongPicoPerToken: 12_000_000,
        },
      },
    ]);
    // 200,001 input tokens cross the tier: 200,001 × 6,000,000 pico + 10 × 22,500,000 pico
    expect(computeCost(createUsage({ inputTokens: 200_001, outputTokens: 10 }), price)).toBe(1_200_231_000);
  });

  it('refuses an unknown model with price_unknown, never $0', () => {
    const catalogue = createPriceCatalogue({ clock });
    expect(() => catalogue.resolve('acme-frontier-9')).toThrowError(WardenError);
    try {
      catalogue.resolve('acme-frontier-9');
    } catch (error) {
      expect((error as WardenError).code).toBe('price_unknown');
      expect((error as WardenError).message).toContain('prices.overrides');
    }
  });

  it('prefers config overrides, then falls back when configured', () => {
    const catalogue = createPriceCatalogue({
      clock,
      overrides: { 'gpt-4o-mini': { input: 1, output: 2, maxOutputTokens: 1000 } },
      fallback: { input: 10, output: 30 },
    });
    const override = catalogue.resolve('gpt-4o-mini');
    expect(override.base.inputPicoPerToken).toBe(1_000_000);
    expect(override.maxOutputTokens).toBe(1000);
    expect(override.source).toBe('config');
    const fallback = catalogue.resolve('acme-frontier-9');
    expect(fallback.base.outputPicoPerToken).toBe(30_000_000);
  });

  it('looks each model up once', () => {
    let lookups = 0;
    const stub: ModelPrice = {
      model: 'm',
      provider: 'p',
      base: { inputPicoPerToken: 1, outputPicoPerToken: 1, cacheReadPicoPerToken: 1, cacheWritePicoPerToken: 1, cacheWriteLongPicoPerToken: 1 },
      tiers: [],
      source: 'catalogue',
    };
    const catalogue = createPriceCatalogue({
      clock,
      lookup: (request) => {
        lookups += 1;
        return request.model === 'm' ? stub : undefined;
      },
    });
    catalogue.resolve('m');
    catalogue.resolve('m');
    catalogue.find('missing');
    catalogue.find('missing');
    expect(lookups).toBe(2);
  });
});
