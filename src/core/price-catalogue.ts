import type { Clock } from './clock.js';
import type { PriceOverride } from './config-schema.js';
import { lookupCataloguePrice, type CatalogueLookupRequest } from './genai-prices-lookup.js';
import { usdPerMillionToPicoPerToken } from './money.js';
import type { ModelPrice } from './model-price.js';
import { modelOutputLimit } from './model-output-limit.js';
import { WardenError } from './warden-error.js';

export interface PriceCatalogue {
  /** The model's price, resolved once and cached. Throws `price_unknown` rather than guess $0. */
  resolve(model: string, provider?: string): ModelPrice;
  /** Like resolve, but undefined instead of throwing. */
  find(model: string, provider?: string): ModelPrice | undefined;
}

export interface PriceCatalogueOptions {
  clock: Clock;
  overrides?: Readonly<Record<string, PriceOverride>>;
  fallback?: PriceOverride;
  lookup?: (request: CatalogueLookupRequest) => ModelPrice | undefined;
}

/**
 * Prices from config overrides first, then @pydantic/genai-prices, then the configured fallback.
 * @example createPriceCatalogue({ clock }).resolve('gpt-4o-mini', 'openai')
 */
export function createPriceCatalogue(options: PriceCatalogueOptions): PriceCatalogue {
  const { clock, overrides = {}, fallback, lookup = lookupCataloguePrice } = options;
  const cache = new Map<string, ModelPrice | null>();

  function find(model: string, provider?: string): ModelPrice | undefined {
    const cacheKey = provider === undefined ? model : `${provider}\u0000${model}`;
    const cached = cache.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    const resolved = resolveUncached(model, provider);
    cache.set(cacheKey, resolved ?? null);
    return resolved;
  }

  function resolveUncached(model: string, provider?: string): ModelPrice | undefined {
    const override = overrides[model];
    if (override) return priceFromOverride(model, override, provider);
    const found = lookup({ model, timeInMs: clock.now(), ...(provider === undefined ? {} : { provider }) });
    if (found) {
      const maxOutputTokens = modelOutputLimit(model);
      return maxOutputTokens === undefined ? found : { ...found, maxOutputTokens };
    }
    return fallback ? priceFromOverride(model, fallback, provider) : undefined;
  }

  return {
    find,
    resolve(model, provider) {
      const price = find(model, provider);
      if (price) return price;
      throw new WardenError(
        'price_unknown',
        `No price is known for model "${model}"${provider ? ` (provider ${provider})` : ''}, so its cost cannot be bounded. ` +
          `Add it under prices.overrides in the config (input and output in USD per million tokens), or set prices.fallback.`,
        { details: { model, ...(provider === undefined ? {} : { provider }) } },
      );
    },
  };
}

function priceFromOverride(model: string, override: PriceOverride, provider?: string): ModelPrice {
  const input = override.input;
  const cacheWrite = override.cacheWrite ?? input;
  const maxOutputTokens = override.maxOutputTokens ?? modelOutputLimit(model);
  return {
    model,
    provider: override.provider ?? provider ?? 'custom',
    base: {
      inputPicoPerToken: usdPerMillionToPicoPerToken(input),
      outputPicoPerToken: usdPerMillionToPicoPerToken(override.output),
      cacheReadPicoPerToken: usdPerMillionToPicoPerToken(override.cacheRead ?? input),
      cacheWritePicoPerToken: usdPerMillionToPicoPerToken(cacheWrite),
      cacheWriteLongPicoPerToken: usdPerMillionToPicoPerToken(override.cacheWriteLong ?? cacheWrite),
    },
    tiers: [],
    ...(override.contextWindowTokens === undefined ? {} : { contextWindowTokens: override.contextWindowTokens }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    source: 'config',
  };
}
