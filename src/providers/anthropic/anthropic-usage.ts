import { createUsage, type Usage } from '../../core/usage.js';
import { isRecord, parseJsonRecord, recordField, stringField, textLengthField, tokenField, type JsonRecord } from '../json-fields.js';
import { readProviderError, type ProviderError, type ResponseBodyUsage, type StreamUsage, readResponseBody } from '../stream-usage.js';

const eventsWorthParsing: ReadonlySet<string> = new Set(['message_start', 'message_delta', 'content_block_delta', 'error']);
const generatedTextFieldByDeltaType: ReadonlyMap<string, string> = new Map([
  ['text_delta', 'text'],
  ['thinking_delta', 'thinking'],
  ['input_json_delta', 'partial_json'],
]);

/** Normalises an Anthropic Messages `usage` object; undefined when there is none. */
export function normaliseAnthropicUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const cacheWriteTokens = tokenField(usage, 'cache_creation_input_tokens') ?? 0;
  const cacheWriteLongTokens = tokenField(recordField(usage, 'cache_creation'), 'ephemeral_1h_input_tokens') ?? 0;
  // input_tokens is uncached input only; output_tokens already includes thinking.
  return createUsage({
    inputTokens: tokenField(usage, 'input_tokens') ?? 0,
    cacheReadTokens: tokenField(usage, 'cache_read_input_tokens') ?? 0,
    cacheWriteTokens,
    cacheWriteLongTokens: Math.min(cacheWriteLongTokens, cacheWriteTokens),
    outputTokens: tokenField(usage, 'output_tokens') ?? 0,
    reasoningTokens: tokenField(recordField(usage, 'output_tokens_details'), 'thinking_tokens') ?? 0,
  });
}

/**
 * Reads usage, model and error from a parsed `/v1/messages` response body.
 * @example const { usage, model } = readAnthropicUsage(await response.json());
 */
export function readAnthropicUsage(body: unknown): ResponseBodyUsage {
  return readResponseBody(body, normaliseAnthropicUsage);
}

/**
 * Creates an accumulator for a Messages stream. `message_start` gives input and cache tokens up
 * front; `message_delta` gives the cumulative output and may revise the input-side counts.
 * @example for (const event of parser.push(bytes)) anthropicUsage.push(event);
 */
export function createAnthropicStreamUsage(): StreamUsage {
  let usageFields: JsonRecord | undefined;
  let usage: Usage | undefined;
  let isUsageFinal = false;
  let model: string | undefined;
  let generatedCharacters = 0;
  let error: ProviderError | undefined;
  let malformedEvents = 0;

  return {
    push(event) {
      if (event.event !== undefined && !eventsWorthParsing.has(event.event)) return;
      const payload = parseJsonRecord(event.data);
      if (payload === undefined) {
        malformedEvents += 1;
        return;
      }
      const type = stringField(payload, 'type');
      if (type === 'content_block_delta') {
        const delta = recordField(payload, 'delta');
        const field = generatedTextFieldByDeltaType.get(stringField(delta, 'type') ?? '');
        if (field !== undefined) generatedCharacters += textLengthField(delta, field);
      } else if (type === 'message_start') {
        const message = recordField(payload, 'message');
        model = stringField(message, 'model') ?? model;
        usageFields = recordField(message, 'usage') ?? usageFields;
        usage = normaliseAnthropicUsage(usageFields);
      } else if (type === 'message_delta') {
        const deltaFields = recordField(payload, 'usage');
        if (deltaFields === undefined) return;
        usageFields = overlayFields(usageFields, deltaFields);
        usage = normaliseAnthropicUsage(usageFields);
        isUsageFinal = true;
      } else if (type === 'error') {
        error = readProviderError(payload);
      }
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

/** Each field from the newer object where it has a value, else from the older: counts are cumulative, never added. */
function overlayFields(older: JsonRecord | undefined, newer: JsonRecord): JsonRecord {
  const merged: JsonRecord = { ...older };
  for (const [key, value] of Object.entries(newer)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}
