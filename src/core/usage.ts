/**
 * Token usage of one call, normalised across providers. Input kinds are disjoint:
 * `inputTokens` is uncached input only. `reasoningTokens` is the part of `outputTokens`
 * spent on reasoning (already included in it, never added again).
 */
export interface Usage {
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Part of cacheWriteTokens written with the one-hour lifetime (priced higher by Anthropic). */
  cacheWriteLongTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

export const emptyUsage: Readonly<Usage> = Object.freeze({
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  cacheWriteLongTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
});

/** Builds a Usage from the fields given, zero elsewhere. */
export function createUsage(fields: Partial<Usage>): Usage {
  return { ...emptyUsage, ...fields };
}

/** All input tokens the provider read, cached or not; long-context price tiers key on this. */
export function totalInputTokens(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}
