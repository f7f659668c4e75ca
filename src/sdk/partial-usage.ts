import { createUsage, type Usage } from '../core/usage.js';
import type { StreamUsageView } from './guard-stream.js';
import type { PreparedCall } from './prepare-call.js';

/**
 * Usage for a stream that ended before the provider's final count: what the provider already
 * reported, else the input bound; output bounded by the characters generated (a token is at
 * least one character of ordinary text) and by the max_tokens Warden sent (the provider cannot
 * generate more, and the reservation covers exactly that), never below what the provider counted.
 */
export function partialUsage(prepared: PreparedCall, stream: StreamUsageView): Usage {
  const reported = stream.usage;
  const reportedOutputTokens = reported?.outputTokens ?? 0;
  const characterBound = prepared.maxTokens > 0 ? Math.min(stream.generatedCharacters, prepared.maxTokens) : stream.generatedCharacters;
  const outputTokens = Math.max(reportedOutputTokens, characterBound);
  if (reported) return { ...reported, outputTokens };
  return createUsage({ inputTokens: prepared.input.tokens, outputTokens });
}
