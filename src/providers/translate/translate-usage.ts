import { totalInputTokens, type Usage } from '../../core/usage.js';
import type { AnthropicUsage } from './anthropic-wire-types.js';
import type { ChatUsage } from './chat-wire-types.js';

/**
 * Chat Completions usage for normalised usage read from an Anthropic response: OpenAI counts
 * cache reads and writes inside prompt_tokens, and reports reads again as cached_tokens.
 */
export function chatUsageFrom(usage: Usage): ChatUsage {
  const promptTokens = totalInputTokens(usage);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: promptTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/**
 * Messages usage for normalised usage read from an OpenAI response: input_tokens excludes the
 * cached part. OpenAI does not charge cache writes, so none are reported.
 */
export function anthropicUsageFrom(usage: Usage): AnthropicUsage {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
  };
}
