/*
 * What happens to each Chat Completions request field when the model is Anthropic's:
 * - Translated: model, messages, max_tokens / max_completion_tokens, temperature (0–1 only),
 *   top_p, stop, stream, tools, tool_choice, parallel_tool_calls, user / safety_identifier.
 * - Dropped, because they change nothing the client can observe in the answer:
 *   stream_options (Anthropic streams always carry usage; the stream translator honours
 *   include_usage), metadata (OpenAI only keeps it with store), prompt_cache_key and
 *   prompt_cache_retention (caching hints; the call simply is not cached), and seed (OpenAI
 *   itself promises only best-effort determinism, so no client can rely on it).
 * - Accepted only at their default value: n 1, logprobs false, top_logprobs 0,
 *   frequency/presence_penalty 0, an empty logit_bias, response_format text, modalities
 *   ["text"], reasoning_effort "none", verbosity "medium", service_tier auto/default, store false.
 * - Everything else (audio, functions, function_call, prediction, web_search_options, and
 *   fields this file does not know) is refused with invalid_request naming the field.
 * null counts as absent everywhere, as it does for OpenAI.
 */
import { isRecord, type JsonRecord } from '../json-fields.js';
import type { AnthropicRequest } from './anthropic-wire-types.js';
import { chatMessagesToAnthropic } from './chat-messages-to-anthropic.js';
import { chatToolChoiceToAnthropic, chatToolsToAnthropic } from './chat-tools-to-anthropic.js';
import { malformedFieldError, untranslatableFieldError } from './field-errors.js';
import { requireBoolean, requireNumber, requirePositiveInteger, requireRecord, requireString } from './required-fields.js';

const translatedFields: ReadonlySet<string> = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'stream',
  'tools', 'tool_choice', 'parallel_tool_calls', 'user', 'safety_identifier',
]);
const droppedFields: ReadonlySet<string> = new Set(['stream_options', 'metadata', 'prompt_cache_key', 'prompt_cache_retention', 'seed']);
// Each with the only value that can pass, as the refusal names it.
const defaultValues: Readonly<Record<string, { isDefault: (value: unknown) => boolean; shown: string }>> = {
  n: { isDefault: (value) => value === 1, shown: '1' },
  logprobs: { isDefault: (value) => value === false, shown: 'false' },
  top_logprobs: { isDefault: (value) => value === 0, shown: '0' },
  frequency_penalty: { isDefault: (value) => value === 0, shown: '0' },
  presence_penalty: { isDefault: (value) => value === 0, shown: '0' },
  logit_bias: { isDefault: (value) => isRecord(value) && Object.keys(value).length === 0, shown: '{}' },
  response_format: { isDefault: (value) => isRecord(value) && value.type === 'text', shown: '{"type": "text"}' },
  modalities: { isDefault: (value) => Array.isArray(value) && value.every((modality) => modality === 'text'), shown: '["text"]' },
  reasoning_effort: { isDefault: (value) => value === 'none', shown: '"none"' },
  verbosity: { isDefault: (value) => value === 'medium', shown: '"medium"' },
  service_tier: { isDefault: (value) => value === 'auto' || value === 'default', shown: '"auto" or "default"' },
  store: { isDefault: (value) => value === false, shown: 'false' },
};

/**
 * Translates a `/v1/chat/completions` request body into a `/v1/messages` one, or throws
 * invalid_request naming the first field that cannot be carried over faithfully. max_tokens is
 * left out when the client gave none: Warden sets it before the call (prepareCall).
 * @example const upstreamBody = chatRequestToAnthropic(await readJson(request));
 */
export function chatRequestToAnthropic(body: unknown): AnthropicRequest {
  const request = requireRecord(body, 'the request body');
  checkFields(request);
  const conversation = chatMessagesToAnthropic(request.messages);
  const translated: AnthropicRequest = { messages: conversation.messages };
  if (request.model != null) translated.model = requireString(request.model, 'model');
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) translated.max_tokens = requirePositiveInteger(maxTokens, request.max_completion_tokens == null ? 'max_tokens' : 'max_completion_tokens');
  if (conversation.system !== undefined) translated.system = conversation.system;
  if (request.tools != null) translated.tools = chatToolsToAnthropic(request.tools);
  const toolChoice = chatToolChoiceToAnthropic(request.tool_choice, request.parallel_tool_calls);
  if (toolChoice !== undefined) translated.tool_choice = toolChoice;
  const stopSequences = stopSequencesFrom(request.stop);
  if (stopSequences.length > 0) translated.stop_sequences = stopSequences;
  if (request.temperature != null) translated.temperature = temperatureFrom(request.temperature);
  if (request.top_p != null) translated.top_p = requireNumber(request.top_p, 'top_p');
  if (request.stream != null) translated.stream = requireBoolean(request.stream, 'stream');
  const userId = request.safety_identifier ?? request.user;
  if (userId != null) translated.metadata = { user_id: requireString(userId, request.safety_identifier == null ? 'user' : 'safety_identifier') };
  return translated;
}

function checkFields(request: JsonRecord): void {
  for (const [field, value] of Object.entries(request)) {
    if (value === null || translatedFields.has(field) || droppedFields.has(field)) continue;
    const defaultValue = defaultValues[field];
    if (defaultValue === undefined) throw untranslatableFieldError(field, 'anthropic');
    if (!defaultValue.isDefault(value)) throw untranslatableFieldError(field, 'anthropic', `only ${defaultValue.shown} can be`);
  }
}

function temperatureFrom(value: unknown): number {
  const temperature = requireNumber(value, 'temperature');
  // OpenAI's scale runs to 2; above 1 there is no Anthropic setting that means the same.
  if (temperature > 1) throw untranslatableFieldError('temperature', 'anthropic', 'Anthropic accepts 0 to 1');
  return temperature;
}

function stopSequencesFrom(stop: unknown): string[] {
  if (stop === undefined || stop === null) return [];
  if (typeof stop === 'string') return [stop];
  if (!Array.isArray(stop) || !stop.every((sequence) => typeof sequence === 'string')) throw malformedFieldError('stop', 'a string or an array of strings');
  return stop;
}
