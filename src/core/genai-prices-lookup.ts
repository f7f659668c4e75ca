import { calcPrice, type ModelPrice as CatalogueModelPrice, type TieredPrices } from '@pydantic/genai-prices';
import { usdPerMillionToPicoPerToken } from './money.js';
import type { ModelPrice, PriceTier, TokenRates } from './model-price.js';

type RateKey = 'input_mtok' | 'output_mtok' | 'cache_read_mtok' | 'cache_write_mtok' | 'cache_write_1h_mtok';
const rateKeys: readonly RateKey[] = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'cache_write_1h_mtok'];

export interface CatalogueLookupRequest {
  model: string;
  provider?: string;
  timeInMs: number;
}

/**
 * Looks a model up in @pydantic/genai-prices and converts its per-million prices, including
 * long-context tiers, into integer pico-USD per token. Undefined when the catalogue has no price.
 */
export function lookupCataloguePrice(request: CatalogueLookupRequest): ModelPrice | undefined {
  const result = calcPrice({ input_tokens: 0, output_tokens: 0 }, request.model, {
    ...(request.provider === undefined ? {} : { providerId: request.provider }),
    timestamp: new Date(request.timeInMs),
  });
  if (!result) return undefined;
  const prices = result.model_price;
  if (typeof prices.input_mtok === 'undefined' && typeof prices.output_mtok === 'undefined') return undefined;
  return {
    model: request.model,
    provider: result.provider.id,
    base: ratesAt(prices, 0),
    tiers: tierStarts(prices).map((start): PriceTier => ({ aboveInputTokens: start, rates: ratesAt(prices, start + 1) })),
    ...(result.model.context_window === undefined ? {} : { contextWindowTokens: result.model.context_window }),
    source: 'catalogue',
  };
}

function tierStarts(prices: CatalogueModelPrice): number[] {
  const starts = new Set<number>();
  for (const key of rateKeys) {
    const value = prices[key];
    if (typeof value === 'object') for (const tier of value.tiers) starts.add(tier.start);
  }
  return [...starts].sort((left, right) => left - right);
}

function ratesAt(prices: CatalogueModelPrice, inputTokens: number): TokenRates {
  const input = usdAt(prices.input_mtok, inputTokens) ?? 0;
  const cacheWrite = usdAt(prices.cache_write_mtok, inputTokens) ?? input;
  return {
    inputPicoPerToken: usdPerMillionToPicoPerToken(input),
    outputPicoPerToken: usdPerMillionToPicoPerToken(usdAt(prices.output_mtok, inputTokens) ?? 0),
    // Without a published discount, cached reads cost what uncached input costs.
    cacheReadPicoPerToken: usdPerMillionToPicoPerToken(usdAt(prices.cache_read_mtok, inputTokens) ?? input),
    cacheWritePicoPerToken: usdPerMillionToPicoPerToken(cacheWrite),
    cacheWriteLongPicoPerToken: usdPerMillionToPicoPerToken(usdAt(prices.cache_write_1h_mtok, inputTokens) ?? cacheWrite),
  };
}

function usdAt(value: number | TieredPrices | undefined, inputTokens: number): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  let price = value.base;
  for (const tier of value.tiers) if (inputTokens > tier.start) price = tier.price;
  return price;
}
