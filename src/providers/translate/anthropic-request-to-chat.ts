/*
 * What happens to each Messages request field when the model is OpenAI's (or compatible):
 * - Translated: model, system, messages, max_tokens (→ max_completion_tokens), temperature,
 *   top_p, stop_sequences (→ stop, at most 4), stream (→ with include_usage), tools,
 *   tool_choice (disable_parallel_tool_use → parallel_tool_calls), metadata.user_id (→ user).
 * - Dropped: cache_control anywhere (OpenAI caches prompts by itself), service_tier (both tiers
 *   answer alike), thinking blocks in earlier assistant turns (Anthropic drops those too).
 * - Accepted only at its default: thinking {type: "disabled"}.
 * - Refused with invalid_request naming the field: thinking, top_k, server tools, documents other
 *   than base64 PDFs, citations, images in tool results, a trailing assistant prefill, and any
 *   field this file does not know (container, mcp_servers, context_management, output_format…).
 */
import { isRecord, type JsonRecord } from '../json-fields.js';
import { anthropicMessagesToChat } from './anthropic-messages-to-chat.js';
import { anthropicToolChoiceToChat, anthropicToolsToChat } from './anthropic-tools-to-chat.js';
import type { ChatRequest } from './chat-wire-types.js';
import { malformedFieldError, untranslatableFieldError } from './field-errors.js';
import { requireBoolean, requireNumber, requirePositiveInteger, requireRecord, requireString } from './required-fields.js';

const translatedFields: ReadonlySet<string> = new Set([
  'model', 'system', 'messages', 'max_tokens', 'temperature', 'top_p', 'stop_sequences', 'stream', 'tools', 'tool_choice', 'metadata',
]);
const droppedFields: ReadonlySet<string> = new Set(['cache_control', 'service_tier']);
// Each with the only value that can pass, as the refusal names it.
const defaultValues: Readonly<Record<string, { isDefault: (value: unknown) => boolean; shown: string }>> = {
  thinking: { isDefault: (value) => isRecord(value) && value.type === 'disabled', shown: '{"type": "disabled"}' },
};
const maxOpenAIStopSequences = 4;

/**
 * Translates a `/v1/messages` request body into a `/v1/chat/completions` one, or throws
 * invalid_request naming the first field that cannot be carried over faithfully.
 * @example const upstreamBody = anthropicRequestToChat(await readJson(request));
 */
export function anthropicRequestToChat(body: unknown): ChatRequest {
  const request = requireRecord(body, 'the request body');
  checkFields(request);
  const translated: ChatRequest = { messages: anthropicMessagesToChat(request.system, request.messages) };
  if (request.model != null) translated.model = requireString(request.model, 'model');
  if (request.max_tokens != null) translated.max_completion_tokens = requirePositiveInteger(request.max_tokens, 'max_tokens');
  if (request.temperature != null) translated.temperature = requireNumber(request.temperature, 'temperature');
  if (request.top_p != null) translated.top_p = requireNumber(request.top_p, 'top_p');
  const stop = stopFrom(request.stop_sequences);
  if (stop.length > 0) translated.stop = stop;
  if (request.stream === true) {
    translated.stream = true;
    // Usage arrives only in the chunk include_usage asks for; message_delta needs it.
    translated.stream_options = { include_usage: true };
  } else if (request.stream != null) translated.stream = requireBoolean(request.stream, 'stream');
  if (request.tools != null) translated.tools = anthropicToolsToChat(request.tools);
  if (request.tool_choice != null) Object.assign(translated, withoutEmptyParallel(anthropicToolChoiceToChat(request.tool_choice), translated.tools));
  const userId = request.metadata == null ? undefined : requireRecord(request.metadata, 'metadata').user_id;
  if (userId != null) translated.user = requireString(userId, 'metadata.user_id');
  return translated;
}

function checkFields(request: JsonRecord): void {
  for (const [field, value] of Object.entries(request)) {
    if (value === null || translatedFields.has(field) || droppedFields.has(field)) continue;
    const defaultValue = defaultValues[field];
    if (defaultValue === undefined) throw untranslatableFieldError(field, 'openai');
    if (!defaultValue.isDefault(value)) throw untranslatableFieldError(field, 'openai', `only ${defaultValue.shown} can be`);
  }
}

// OpenAI rejects parallel_tool_calls in a request without tools.
function withoutEmptyParallel(choice: ReturnType<typeof anthropicToolChoiceToChat>, tools: ChatRequest['tools']): Partial<ChatRequest> {
  if (tools !== undefined && tools.length > 0) return choice;
  return { tool_choice: choice.tool_choice };
}

function stopFrom(stopSequences: unknown): string[] {
  if (stopSequences === undefined || stopSequences === null) return [];
  if (!Array.isArray(stopSequences) || !stopSequences.every((sequence) => typeof sequence === 'string')) {
    throw malformedFieldError('stop_sequences', 'an array of strings');
  }
  if (stopSequences.length > maxOpenAIStopSequences) {
    throw untranslatableFieldError('stop_sequences', 'openai', `OpenAI accepts at most ${maxOpenAIStopSequences} stop sequences`);
  }
  return stopSequences;
}
