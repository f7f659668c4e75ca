import type { SseEvent } from '../../core/sse-parser.js';
import { createUsage, type Usage } from '../../core/usage.js';
import { isRecord, parseJsonRecord, recordField, stringField, textLengthField, tokenField } from '../json-fields.js';
import { readProviderError, type ProviderError, type ResponseBodyUsage, type StreamUsage, readResponseBody } from '../stream-usage.js';

/**
 * How the chat stream accumulator classified an event. `usage-only` is the extra final chunk
 * (`choices: []`, usage set) that `stream_options.include_usage` adds; a proxy strips it when
 * the client did not ask for usage.
 */
export type OpenAIChatStreamEventKind = 'chunk' | 'usage-only' | 'done' | 'error' | 'unparsed';

/** Usage tracking for a Chat Completions stream; `push` also says what the event was. */
export interface OpenAIChatStreamUsage extends StreamUsage {
  push(event: SseEvent): OpenAIChatStreamEventKind;
}

/** Normalises a Chat Completions `usage` object; undefined when there is none. */
export function normaliseOpenAIChatUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const promptTokens = tokenField(usage, 'prompt_tokens') ?? 0;
  const cachedTokens = tokenField(recordField(usage, 'prompt_tokens_details'), 'cached_tokens') ?? 0;
  const reasoningTokens = tokenField(recordField(usage, 'completion_tokens_details'), 'reasoning_tokens') ?? 0;
  // OpenAI counts cached tokens inside prompt_tokens; reasoning tokens inside completion_tokens.
  return createUsage({
    inputTokens: Math.max(0, promptTokens - cachedTokens),
    cacheReadTokens: cachedTokens,
    outputTokens: tokenField(usage, 'completion_tokens') ?? 0,
    reasoningTokens,
  });
}

/**
 * Reads usage, model and error from a parsed `/v1/chat/completions` response body.
 * @example const { usage, model } = readOpenAIChatUsage(await response.json());
 */
export function readOpenAIChatUsage(body: unknown): ResponseBodyUsage {
  return readResponseBody(body, normaliseOpenAIChatUsage);
}

/**
 * Creates an accumulator for a Chat Completions stream. Usage arrives only in the final chunk,
 * and only when the request set `stream_options.include_usage`.
 * @example for (const event of parser.push(bytes)) if (chatUsage.push(event) === 'usage-only') skip();
 */
export function createOpenAIChatStreamUsage(): OpenAIChatStreamUsage {
  let usage: Usage | undefined;
  let model: string | undefined;
  let generatedCharacters = 0;
  let error: ProviderError | undefined;
  let malformedEvents = 0;

  return {
    push(event) {
      if (event.data === '[DONE]') return 'done';
      const chunk = parseJsonRecord(event.data);
      if (chunk === undefined) {
        malformedEvents += 1;
        return 'unparsed';
      }
      const chunkError = readProviderError(chunk);
      if (chunkError !== undefined) {
        error = chunkError;
        return 'error';
      }
      // Azure's leading prompt-filter chunk has an empty model.
      model = stringField(chunk, 'model') ?? model;
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      for (const choice of choices) generatedCharacters += deltaCharacters(recordField(choice, 'delta'));
      // Azure also sends `choices: []` first, without usage: the usage chunk is the one with usage.
      const chunkUsage = normaliseOpenAIChatUsage(chunk.usage);
      if (chunkUsage === undefined) return 'chunk';
      usage = chunkUsage;
      return choices.length === 0 ? 'usage-only' : 'chunk';
    },
    get usage() {
      return usage;
    },
    get isUsageFinal() {
      return usage !== undefined;
    },
    get model() {
      return model;
    },
    get generatedCharacters() {
      return generatedCharacters;
    },
    get error() {
      return error;
    },
    get malformedEvents() {
      return malformedEvents;
    },
  };
}

function deltaCharacters(delta: Record<string, unknown> | undefined): number {
  if (delta === undefined) return 0;
  let characters = textLengthField(delta, 'content') + textLengthField(delta, 'refusal');
  if (Array.isArray(delta.tool_calls)) {
    for (const toolCall of delta.tool_calls) characters += textLengthField(recordField(toolCall, 'function'), 'arguments');
  }
  return characters;
}
