import { normaliseAnthropicUsage } from '../anthropic/anthropic-usage.js';
import { isRecord, stringField } from '../json-fields.js';
import type { ChatCompletion, ChatToolCall } from './chat-wire-types.js';
import { malformedResponseError } from './field-errors.js';
import { chatFinishReasonFrom } from './translate-finish-reason.js';
import { chatUsageFrom } from './translate-usage.js';

export interface AnthropicResponseToChatOptions {
  /** The completion id the client sees; the Anthropic message id when absent. */
  id?: string;
  createdInSeconds: number;
}

/**
 * Translates a `/v1/messages` response into a `chat.completion`: text blocks joined into the
 * content, tool_use blocks as tool_calls. Thinking and server-tool blocks are dropped, since a
 * translated request never asks for them; the model name is kept as Anthropic reports it.
 * @example const completion = anthropicResponseToChat(await upstream.json(), { createdInSeconds: 1_700_000_000 });
 */
export function anthropicResponseToChat(body: unknown, options: AnthropicResponseToChatOptions): ChatCompletion {
  if (!isRecord(body) || !Array.isArray(body.content)) throw malformedResponseError('from Anthropic has no content array');
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const block of body.content) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: stringField(block, 'id') ?? '',
        type: 'function',
        function: { name: stringField(block, 'name') ?? '', arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: texts.length === 0 ? null : texts.join(''), refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const usage = normaliseAnthropicUsage(body.usage);
  const completion: ChatCompletion = {
    id: options.id ?? stringField(body, 'id') ?? '',
    object: 'chat.completion',
    created: options.createdInSeconds,
    model: stringField(body, 'model') ?? '',
    choices: [{ index: 0, message, logprobs: null, finish_reason: chatFinishReasonFrom(body.stop_reason) }],
  };
  if (usage !== undefined) completion.usage = chatUsageFrom(usage);
  return completion;
}
