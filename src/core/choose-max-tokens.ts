import { picoToNanoCeil, tokensTimesPrice, type NanoUsd } from './money.js';
import { ratesFor, type ModelPrice } from './model-price.js';

export interface MaxTokensRequest {
  price: ModelPrice;
  /** Upper bound on the call's input tokens. */
  inputTokens: number;
  /** Price input at the cache-write rate (the request asks the provider to write its cache). */
  inputMayWriteCache?: boolean;
  /** max_tokens the caller asked for, if any. */
  requestedMaxTokens?: number;
  /** Used when neither the request nor the model gives an output limit. */
  defaultMaxOutputTokens: number;
  /** The most any budget on the call can still take; undefined when nothing limits it. */
  affordableInNanoUsd?: NanoUsd;
  /** Whether max_tokens may be lowered to fit the budget instead of refusing. */
  clamp: boolean;
  /** A clamped call below this many output tokens is refused instead. */
  minUsefulOutputTokens: number;
  /** Completions generated per call (OpenAI `n`); each can use max_tokens. */
  choices?: number;
}

export type MaxTokensDecision =
  | { ok: true; maxTokens: number; estimateInNanoUsd: NanoUsd; inputCostInNanoUsd: NanoUsd; clamped: boolean }
  | { ok: false; estimateInNanoUsd: NanoUsd; minimumInNanoUsd: NanoUsd; inputCostInNanoUsd: NanoUsd; maxTokens: number };

/**
 * Chooses the max_tokens Warden sends and the call's upper-bound cost: from the request, the
 * model's output limit and what the budgets can afford (clamped when allowed, refused below a useful minimum).
 */
export function chooseMaxTokens(request: MaxTokensRequest): MaxTokensDecision {
  const { price, inputTokens } = request;
  const rates = ratesFor(price, inputTokens);
  const inputRate = request.inputMayWriteCache
    ? Math.max(rates.inputPicoPerToken, rates.cacheWritePicoPerToken, rates.cacheWriteLongPicoPerToken)
    : Math.max(rates.inputPicoPerToken, rates.cacheReadPicoPerToken);
  const inputCostInNanoUsd = picoToNanoCeil([tokensTimesPrice(inputTokens, inputRate)]);
  const outputRate = rates.outputPicoPerToken * (request.choices ?? 1);
  const outputCost = (tokens: number): NanoUsd => picoToNanoCeil([tokensTimesPrice(inputTokens, inputRate), tokensTimesPrice(tokens, outputRate)]);

  const modelLimit = price.maxOutputTokens ?? request.defaultMaxOutputTokens;
  const wanted = Math.max(1, Math.min(request.requestedMaxTokens ?? modelLimit, modelLimit));
  const fullEstimate = outputCost(wanted);
  const affordable = request.affordableInNanoUsd;
  if (affordable === undefined || fullEstimate <= affordable) {
    return { ok: true, maxTokens: wanted, estimateInNanoUsd: fullEstimate, inputCostInNanoUsd, clamped: false };
  }

  const minimumTokens = Math.min(wanted, request.minUsefulOutputTokens);
  const minimumInNanoUsd = outputCost(minimumTokens);
  if (!request.clamp || minimumInNanoUsd > affordable) {
    return { ok: false, estimateInNanoUsd: fullEstimate, minimumInNanoUsd, inputCostInNanoUsd, maxTokens: wanted };
  }
  const affordableTokens = affordableOutputTokens(affordable, inputTokens * inputRate, outputRate);
  let maxTokens = Math.max(minimumTokens, Math.min(wanted, affordableTokens));
  // Float division can land one token high on very large budgets; step back to an exact fit.
  while (maxTokens > minimumTokens && outputCost(maxTokens) > affordable) maxTokens -= 1;
  return { ok: true, maxTokens, estimateInNanoUsd: outputCost(maxTokens), inputCostInNanoUsd, clamped: true };
}

function affordableOutputTokens(affordableInNanoUsd: NanoUsd, inputPico: number, outputPicoPerToken: number): number {
  if (outputPicoPerToken === 0) return Number.MAX_SAFE_INTEGER;
  // Largest n with ceil((inputPico + n × rate) / 1000) ≤ affordable.
  return Math.floor((affordableInNanoUsd * 1000 - inputPico) / outputPicoPerToken);
}
