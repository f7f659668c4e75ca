import { createUsage } from '../../core/usage.js';
import { normaliseOpenAIChatUsage } from '../openai/openai-chat-usage.js';
import { isRecord, parseJsonRecord, recordField, stringField } from '../json-fields.js';
import type { AnthropicResponse, AnthropicToolUseBlock } from './anthropic-wire-types.js';
import { malformedResponseError } from './field-errors.js';
import { anthropicStopReasonFrom } from './translate-finish-reason.js';
import { anthropicUsageFrom } from './translate-usage.js';

export interface ChatResponseToAnthropicOptions {
  /** The model the client asked for; reported when the upstream names none (Azure may send ""). */
  requestedModel: string;
}

/**
 * Translates a `chat.completion` into a Messages response: the content (or refusal) as a text
 * block, tool_calls as tool_use blocks, usage split into uncached input and cache reads.
 * @example const message = chatResponseToAnthropic(await upstream.json(), { requestedModel: 'gpt-4o' });
 */
export function chatResponseToAnthropic(body: unknown, options: ChatResponseToAnthropicOptions): AnthropicResponse {
  const choice: unknown = isRecord(body) && Array.isArray(body.choices) ? body.choices[0] : undefined;
  const message = recordField(choice, 'message');
  if (!isRecord(choice) || message === undefined) throw malformedResponseError('from OpenAI has no choices[0].message');
  const content: AnthropicResponse['content'] = [];
  const text = stringField(message, 'content');
  if (text !== undefined) content.push({ type: 'text', text });
  const refusal = stringField(message, 'refusal');
  if (refusal !== undefined) content.push({ type: 'text', text: refusal });
  if (Array.isArray(message.tool_calls)) content.push(...message.tool_calls.map(toolUseBlock));
  const usage = normaliseOpenAIChatUsage(isRecord(body) ? body.usage : undefined) ?? createUsage({});
  return {
    id: stringField(body, 'id') ?? '',
    type: 'message',
    role: 'assistant',
    model: stringField(body, 'model') ?? options.requestedModel,
    content,
    stop_reason: refusal === undefined ? anthropicStopReasonFrom(choice.finish_reason) : 'refusal',
    stop_sequence: null,
    usage: anthropicUsageFrom(usage),
  };
}

function toolUseBlock(toolCall: unknown): AnthropicToolUseBlock {
  const call = recordField(toolCall, 'function');
  const argumentsText = typeof call?.arguments === 'string' ? call.arguments : '';
  const input = argumentsText.trim() === '' ? {} : parseJsonRecord(argumentsText);
  // Anthropic clients expect tool input as an object; a truncated or invalid call has none to give.
  if (input === undefined) throw malformedResponseError(`from OpenAI has tool call arguments that are not a JSON object (${argumentsText.slice(0, 80)})`);
  return { type: 'tool_use', id: stringField(toolCall, 'id') ?? '', name: stringField(call, 'name') ?? '', input };
}
