import { createUsage, type Usage } from '../../core/usage.js';
import { isRecord, parseJsonRecord, recordField, stringField, textLengthField, tokenField } from '../json-fields.js';
import { readProviderError, toProviderError, type ProviderError, type ResponseBodyUsage, type StreamUsage, readResponseBody } from '../stream-usage.js';

const generatedTextEventTypes: ReadonlySet<string> = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
]);
const terminalEventTypes: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const responseEventTypes: ReadonlySet<string> = new Set([
  'response.created',
  'response.queued',
  'response.in_progress',
  ...terminalEventTypes,
]);

/** Normalises a Responses API `usage` object; undefined when there is none. */
export function normaliseOpenAIResponsesUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const inputDetails = recordField(usage, 'input_tokens_details');
  const cachedTokens = tokenField(inputDetails, 'cached_tokens') ?? 0;
  const cacheWriteTokens = tokenField(inputDetails, 'cache_write_tokens') ?? 0;
  // Both cache counts are subsets of input_tokens; reasoning is a subset of output_tokens.
  return createUsage({
    inputTokens: Math.max(0, (tokenField(usage, 'input_tokens') ?? 0) - cachedTokens - cacheWriteTokens),
    cacheReadTokens: cachedTokens,
    cacheWriteTokens,
    outputTokens: tokenField(usage, 'output_tokens') ?? 0,
    reasoningTokens: tokenField(recordField(usage, 'output_tokens_details'), 'reasoning_tokens') ?? 0,
  });
}

/**
 * Reads usage, model and error from a parsed `/v1/responses` response body.
 * @example const { usage, model } = readOpenAIResponsesUsage(await response.json());
 */
export function readOpenAIResponsesUsage(body: unknown): ResponseBodyUsage {
  return readResponseBody(body, normaliseOpenAIResponsesUsage);
}

/**
 * Creates an accumulator for a Responses API stream, with or without `event:` lines and with
 * no `[DONE]` sentinel. Usage arrives in `response.completed` (or `response.incomplete`).
 * @example for (const event of parser.push(bytes)) responsesUsage.push(event);
 */
export function createOpenAIResponsesStreamUsage(): StreamUsage {
  let usage: Usage | undefined;
  let isUsageFinal = false;
  let model: string | undefined;
  let generatedCharacters = 0;
  let error: ProviderError | undefined;
  let malformedEvents = 0;

  function isWorthParsing(eventType: string): boolean {
    return generatedTextEventTypes.has(eventType) || responseEventTypes.has(eventType) || eventType === 'error';
  }

  return {
    push(event) {
      // With an `event:` line we can skip large events (output_item.done, ...) without parsing.
      if (event.event !== undefined && !isWorthParsing(event.event)) return;
      const payload = parseJsonRecord(event.data);
      if (payload === undefined) {
        malformedEvents += 1;
        return;
      }
      const type = stringField(payload, 'type') ?? event.event ?? '';
      if (generatedTextEventTypes.has(type)) {
        generatedCharacters += textLengthField(payload, 'delta');
        return;
      }
      if (type === 'error') {
        // The documented event is flat ({ code, message }); recordings nest it under `error`.
        error = readProviderError(payload) ?? { ...toProviderError(payload), type: undefined };
        return;
      }
      const response = recordField(payload, 'response');
      if (response === undefined) return;
      model = stringField(response, 'model') ?? model;
      usage = normaliseOpenAIResponsesUsage(response.usage) ?? usage;
      if (!terminalEventTypes.has(type)) return;
      isUsageFinal = usage !== undefined;
      if (type === 'response.failed') error ??= readProviderError(response);
    },
    get usage() {
      return usage;
    },
    get isUsageFinal() {
      return isUsageFinal;
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
