import { createUsage, type Usage } from '../../core/usage.js';
import type { MockRequestPlan } from './mock-behavior.js';
import type { InputTally } from './mock-input-tally.js';
import type { MockCacheHit, MockPromptCache } from './mock-prompt-cache.js';

/** How many output tokens a request gets, after its token limit. */
export interface MockOutputPlan {
  reasoningTokens: number;
  textTokens: number;
  /** True when the limit cut the output: finish_reason `length`, stop_reason `max_tokens`. */
  truncated: boolean;
}

/**
 * Splits the token limit between reasoning (first, as models do) and text. Without a limit the
 * output is what the plan asks for.
 */
export function planMockOutput(options: {
  textTokens: number;
  reasoningTokens: number;
  maxTokens: number | undefined;
}): MockOutputPlan {
  const { textTokens, reasoningTokens, maxTokens } = options;
  if (maxTokens === undefined || reasoningTokens + textTokens <= maxTokens) {
    return { reasoningTokens, textTokens, truncated: false };
  }
  const keptReasoning = Math.min(reasoningTokens, maxTokens);
  return { reasoningTokens: keptReasoning, textTokens: maxTokens - keptReasoning, truncated: true };
}

/** OpenAI models that spend hidden reasoning tokens: o1, o3, o4-mini…, and the gpt-5 family. */
export function isOpenAiReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model);
}

/** Reasoning tokens an OpenAI request spends: the planned count on reasoning models, none at effort none or minimal. */
export function openAiReasoningTokens(model: string, effort: unknown, plannedTokens: number): number {
  return isOpenAiReasoningModel(model) && effort !== 'none' && effort !== 'minimal' ? plannedTokens : 0;
}

/** A token limit from a request field: undefined when absent, a problem message when not a positive integer. */
export function readTokenLimit(body: Record<string, unknown>, field: string): number | undefined | { problem: string } {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value;
  return { problem: `Invalid '${field}': expected an integer of 1 or more, got ${JSON.stringify(value)}.` };
}

/**
 * The request's input in Warden's normalised shape (uncached input, cache read, cache write).
 * Forced counts from the plan win over counting and over the prompt cache.
 */
export function resolveMockInputUsage(options: {
  tally: InputTally;
  plan: MockRequestPlan;
  promptCache: MockPromptCache | undefined;
  caching: 'automatic' | 'breakpoints';
}): Usage {
  const { tally, plan, promptCache, caching } = options;
  const totalTokens = plan.inputTokens ?? tally.tokens;
  let hit: MockCacheHit = { readTokens: 0, writeTokens: 0, writeLongTokens: 0 };
  if (plan.cachedInputTokens !== undefined || plan.cacheWriteInputTokens !== undefined) {
    hit = { readTokens: plan.cachedInputTokens ?? 0, writeTokens: plan.cacheWriteInputTokens ?? 0, writeLongTokens: 0 };
  } else if (promptCache !== undefined) {
    hit =
      caching === 'automatic'
        ? { readTokens: promptCache.matchAutomatic(tally.boundaries), writeTokens: 0, writeLongTokens: 0 }
        : promptCache.matchBreakpoints(tally.boundaries);
  }
  const cacheReadTokens = Math.min(hit.readTokens, totalTokens);
  const cacheWriteTokens = Math.min(hit.writeTokens, totalTokens - cacheReadTokens);
  return createUsage({
    inputTokens: totalTokens - cacheReadTokens - cacheWriteTokens,
    cacheReadTokens,
    cacheWriteTokens,
    cacheWriteLongTokens: Math.min(hit.writeLongTokens, cacheWriteTokens),
  });
}

/** Adds the planned output to an input usage. */
export function withMockOutput(input: Usage, output: MockOutputPlan): Usage {
  return { ...input, outputTokens: output.reasoningTokens + output.textTokens, reasoningTokens: output.reasoningTokens };
}
