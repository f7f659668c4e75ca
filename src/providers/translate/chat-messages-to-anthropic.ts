import type { JsonRecord } from '../json-fields.js';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicTextBlock, AnthropicToolUseBlock } from './anthropic-wire-types.js';
import { chatTextContentToAnthropic, chatUserContentToAnthropic } from './chat-content-to-anthropic.js';
import { malformedFieldError, untranslatableFieldError } from './field-errors.js';
import { parseJsonObject, requireArray, requireRecord, requireString } from './required-fields.js';

/** Chat messages split the way the Messages API wants them: system apart, the rest as turns. */
export interface AnthropicConversation {
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessage[];
}

/**
 * Translates `messages`. Leading system/developer messages become `system`; tool results become
 * `tool_result` blocks in a user turn; consecutive turns of one role are merged, as Anthropic requires.
 * A message's `name` is dropped: it is a hint OpenAI gives the model, with no Anthropic field.
 */
export function chatMessagesToAnthropic(messages: unknown): AnthropicConversation {
  const list = requireArray(messages, 'messages');
  const systemContents: Array<string | AnthropicTextBlock[]> = [];
  const turns: AnthropicMessage[] = [];
  for (const [index, message] of list.entries()) {
    const field = `messages[${index}]`;
    const record = requireRecord(message, field);
    if (record.role === 'system' || record.role === 'developer') {
      // Anthropic has one system prompt before the turns; moving a later one there would change what it means.
      if (turns.length > 0) throw untranslatableFieldError(field, 'anthropic', 'a system message after the conversation has started has no Anthropic equivalent; move it to the start');
      systemContents.push(chatTextContentToAnthropic(record.content, `${field}.content`));
      continue;
    }
    const turn = chatMessageToAnthropic(record, field);
    if (turn !== undefined) appendTurn(turns, turn);
  }
  // A trailing assistant turn is a prefill to Anthropic (the reply continues it); OpenAI answers it afresh.
  if (turns.at(-1)?.role === 'assistant') {
    throw untranslatableFieldError(`messages[${list.length - 1}]`, 'anthropic', 'a conversation that ends with an assistant message would be continued, not answered');
  }
  const system = joinSystem(systemContents);
  return system === undefined ? { messages: turns } : { system, messages: turns };
}

function chatMessageToAnthropic(record: JsonRecord, field: string): AnthropicMessage | undefined {
  switch (record.role) {
    case 'user':
      return { role: 'user', content: chatUserContentToAnthropic(record.content, `${field}.content`) };
    case 'assistant':
      return assistantToAnthropic(record, field);
    case 'tool': {
      const toolUseId = requireString(record.tool_call_id, `${field}.tool_call_id`);
      const content = chatTextContentToAnthropic(record.content, `${field}.content`);
      return { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content }] };
    }
    case 'function':
      throw untranslatableFieldError(`${field}.role`, 'anthropic', 'legacy function messages are not supported; use tools and tool messages');
    default:
      throw malformedFieldError(`${field}.role`, 'one of "system", "developer", "user", "assistant" or "tool"');
  }
}

function assistantToAnthropic(record: JsonRecord, field: string): AnthropicMessage | undefined {
  for (const refused of ['audio', 'function_call'] as const) {
    if (record[refused] !== undefined && record[refused] !== null) throw untranslatableFieldError(`${field}.${refused}`, 'anthropic');
  }
  const content = record.content === undefined || record.content === null ? [] : chatTextContentToAnthropic(record.content, `${field}.content`, { allowRefusal: true });
  const toolUses = record.tool_calls === undefined || record.tool_calls === null ? [] : toolCallsToAnthropic(record.tool_calls, `${field}.tool_calls`);
  const refusal = typeof record.refusal === 'string' && record.refusal !== '' ? record.refusal : undefined;
  if (toolUses.length === 0 && refusal === undefined) return content.length === 0 ? undefined : { role: 'assistant', content };
  const blocks: AnthropicContentBlock[] = typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : [...content];
  if (refusal !== undefined) blocks.push({ type: 'text', text: refusal });
  return { role: 'assistant', content: [...blocks, ...toolUses] };
}

function toolCallsToAnthropic(toolCalls: unknown, field: string): AnthropicToolUseBlock[] {
  return requireArray(toolCalls, field).map((toolCall, index) => {
    const callField = `${field}[${index}]`;
    const record = requireRecord(toolCall, callField);
    if (record.type !== undefined && record.type !== 'function') throw untranslatableFieldError(`${callField}.type`, 'anthropic', 'only function tool calls are supported');
    const call = requireRecord(record.function, `${callField}.function`);
    return {
      type: 'tool_use',
      id: requireString(record.id, `${callField}.id`),
      name: requireString(call.name, `${callField}.function.name`),
      input: parseJsonObject(requireString(call.arguments, `${callField}.function.arguments`), `${callField}.function.arguments`),
    };
  });
}

function appendTurn(turns: AnthropicMessage[], turn: AnthropicMessage): void {
  const last = turns.at(-1);
  if (last === undefined || last.role !== turn.role) {
    turns.push(turn);
    return;
  }
  last.content = [...asBlocks(last.content), ...asBlocks(turn.content)];
}

function asBlocks(content: string | AnthropicContentBlock[]): AnthropicContentBlock[] {
  if (typeof content !== 'string') return content;
  return content === '' ? [] : [{ type: 'text', text: content }];
}

function joinSystem(contents: ReadonlyArray<string | AnthropicTextBlock[]>): string | AnthropicTextBlock[] | undefined {
  if (contents.length === 0) return undefined;
  const only = contents[0];
  if (contents.length === 1 && typeof only === 'string') return only;
  return contents.flatMap((content) => (typeof content === 'string' ? (content === '' ? [] : [{ type: 'text' as const, text: content }]) : content));
}
