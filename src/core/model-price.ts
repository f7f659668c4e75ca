/** Per-token rates in integer pico-USD (1e-12 USD), so sub-micro-dollar prices stay exact. */
export interface TokenRates {
  inputPicoPerToken: number;
  outputPicoPerToken: number;
  cacheReadPicoPerToken: number;
  cacheWritePicoPerToken: number;
  /** One-hour cache writes (Anthropic); equals cacheWritePicoPerToken where the provider has one rate. */
  cacheWriteLongPicoPerToken: number;
}

/** Rates that apply to the whole call once its total input passes `aboveInputTokens`. */
export interface PriceTier {
  aboveInputTokens: number;
  rates: TokenRates;
}

/** A model's resolved price: looked up once, then used for every call. */
export interface ModelPrice {
  model: string;
  provider: string;
  base: TokenRates;
  /** Sorted by aboveInputTokens, ascending. */
  tiers: PriceTier[];
  contextWindowTokens?: number;
  maxOutputTokens?: number;
  source: 'catalogue' | 'config';
}

/** The rates that apply to a call with this many input tokens (cached or not). */
export function ratesFor(price: ModelPrice, totalInputTokens: number): TokenRates {
  let rates = price.base;
  for (const tier of price.tiers) {
    if (totalInputTokens > tier.aboveInputTokens) rates = tier.rates;
  }
  return rates;
}
