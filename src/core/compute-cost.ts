import { picoToNanoCeil, tokensTimesPrice, type NanoUsd } from './money.js';
import { ratesFor, type ModelPrice } from './model-price.js';
import { totalInputTokens, type Usage } from './usage.js';

/**
 * The cost of a call's usage in nano-USD, rounded up. Input kinds are disjoint, so nothing is
 * counted twice; reasoning tokens are already inside outputTokens.
 * @example computeCost(createUsage({ inputTokens: 16, outputTokens: 363 }), price)
 */
export function computeCost(usage: Usage, price: ModelPrice): NanoUsd {
  const rates = ratesFor(price, totalInputTokens(usage));
  const shortCacheWriteTokens = usage.cacheWriteTokens - usage.cacheWriteLongTokens;
  return picoToNanoCeil([
    tokensTimesPrice(usage.inputTokens, rates.inputPicoPerToken),
    tokensTimesPrice(usage.cacheReadTokens, rates.cacheReadPicoPerToken),
    tokensTimesPrice(shortCacheWriteTokens, rates.cacheWritePicoPerToken),
    tokensTimesPrice(usage.cacheWriteLongTokens, rates.cacheWriteLongPicoPerToken),
    tokensTimesPrice(usage.outputTokens, rates.outputPicoPerToken),
  ]);
}
