import { createUsage } from '../core/usage.js';
import { createAnthropicStreamUsage, readAnthropicUsage } from './anthropic/anthropic-usage.js';
import type { Dialect } from './estimate-input-tokens.js';
import { isRecord, recordField } from './json-fields.js';
import { createOpenAIChatStreamUsage, readOpenAIChatUsage } from './openai/openai-chat-usage.js';
import { createOpenAIResponsesStreamUsage, readOpenAIResponsesUsage } from './openai/openai-responses-usage.js';
import type { ResponseBodyUsage, StreamUsage } from './stream-usage.js';

/** How to read a dialect's usage: from a response body, and from its stream event by event. */
export interface DialectUsage {
  readUsage: (body: unknown) => ResponseBodyUsage;
  createStreamUsage: () => StreamUsage;
}

function readEmbeddingsUsage(body: unknown): ResponseBodyUsage {
  const promptTokens = recordField(body, 'usage')?.prompt_tokens;
  const inputTokens = typeof promptTokens === 'number' ? promptTokens : undefined;
  const model = isRecord(body) && typeof body.model === 'string' ? body.model : undefined;
  return { usage: inputTokens === undefined ? undefined : createUsage({ inputTokens }), model, error: undefined };
}

/** Usage readers for every dialect Warden forwards. */
export const dialectUsage: Readonly<Record<Dialect, DialectUsage>> = {
  'openai-chat': { readUsage: readOpenAIChatUsage, createStreamUsage: createOpenAIChatStreamUsage },
  'openai-responses': { readUsage: readOpenAIResponsesUsage, createStreamUsage: createOpenAIResponsesStreamUsage },
  'openai-embeddings': { readUsage: readEmbeddingsUsage, createStreamUsage: createOpenAIChatStreamUsage },
  'anthropic-messages': { readUsage: readAnthropicUsage, createStreamUsage: createAnthropicStreamUsage },
};

/**
 * A chat request that makes OpenAI report usage in its stream (it does not by default), and
 * whether the caller asked for that usage chunk itself (if not, it is hidden from them).
 */
export function withStreamUsage(body: Readonly<Record<string, unknown>>): { body: Record<string, unknown>; hideUsageChunk: boolean } {
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  return { body: { ...body, stream_options: { ...streamOptions, include_usage: true } }, hideUsageChunk: !asksForStreamUsage(body) };
}

/** True when an OpenAI chat request asks for the usage chunk itself (`stream_options.include_usage`). */
export function asksForStreamUsage(body: Readonly<Record<string, unknown>>): boolean {
  return isRecord(body.stream_options) && body.stream_options.include_usage === true;
}
