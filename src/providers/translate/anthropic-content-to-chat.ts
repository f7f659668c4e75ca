import type { JsonRecord } from '../json-fields.js';
import type { ChatMessage, ChatTextPart, ChatToolCall, ChatUserPart } from './chat-wire-types.js';
import { formatDataUrl } from './data-url.js';
import { untranslatableFieldError } from './field-errors.js';
import { requireArray, requireRecord, requireString } from './required-fields.js';

/**
 * A user turn as chat messages: its tool_result blocks become `tool` messages, first, as OpenAI
 * requires them right after the assistant's tool calls; the other blocks form one user message.
 * `is_error` is dropped: OpenAI tool messages have no error flag, and the result text says what failed.
 */
export function anthropicUserTurnToChat(content: unknown, field: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: ChatMessage[] = [];
  const parts: ChatUserPart[] = [];
  for (const [index, block] of requireArray(content, field).entries()) {
    const blockField = `${field}[${index}]`;
    const record = requireRecord(block, blockField);
    if (record.type === 'tool_result') {
      const toolCallId = requireString(record.tool_use_id, `${blockField}.tool_use_id`);
      toolMessages.push({ role: 'tool', tool_call_id: toolCallId, content: toolResultContent(record.content, `${blockField}.content`) });
    } else if (record.type === 'text') parts.push({ type: 'text', text: requireString(record.text, `${blockField}.text`) });
    else if (record.type === 'image') parts.push(imagePart(record, blockField));
    else if (record.type === 'document') parts.push(filePart(record, blockField));
    else throw untranslatableFieldError(`${blockField}.type`, 'openai', `${JSON.stringify(record.type)} blocks have no OpenAI chat equivalent`);
  }
  if (parts.length === 0) return toolMessages;
  const only = parts[0];
  const userContent = parts.length === 1 && only?.type === 'text' ? only.text : parts;
  return [...toolMessages, { role: 'user', content: userContent }];
}

/**
 * An assistant turn as one chat message: text joined, tool_use blocks as tool_calls. Thinking
 * blocks are dropped, as Anthropic itself drops them from earlier turns; undefined for an empty turn.
 */
export function anthropicAssistantTurnToChat(content: unknown, field: string): ChatMessage | undefined {
  if (typeof content === 'string') return content === '' ? undefined : { role: 'assistant', content };
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  for (const [index, block] of requireArray(content, field).entries()) {
    const blockField = `${field}[${index}]`;
    const record = requireRecord(block, blockField);
    if (record.type === 'text') texts.push(requireString(record.text, `${blockField}.text`));
    else if (record.type === 'tool_use') toolCalls.push(toolCall(record, blockField));
    else if (record.type !== 'thinking' && record.type !== 'redacted_thinking') {
      throw untranslatableFieldError(`${blockField}.type`, 'openai', `${JSON.stringify(record.type)} blocks have no OpenAI chat equivalent`);
    }
  }
  if (texts.length === 0 && toolCalls.length === 0) return undefined;
  const message: ChatMessage = { role: 'assistant', content: texts.length === 0 ? null : texts.join('') };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

/** Text-only content (system prompt, tool results) as a string or text parts; cache_control is dropped. */
export function anthropicTextContentToChat(content: unknown, field: string, reason: string): string | ChatTextPart[] {
  if (typeof content === 'string') return content;
  const parts = requireArray(content, field).map((block, index): ChatTextPart => {
    const record = requireRecord(block, `${field}[${index}]`);
    if (record.type !== 'text') throw untranslatableFieldError(`${field}[${index}].type`, 'openai', reason);
    return { type: 'text', text: requireString(record.text, `${field}[${index}].text`) };
  });
  const only = parts[0];
  return parts.length === 1 && only !== undefined ? only.text : parts;
}

function toolResultContent(content: unknown, field: string): string | ChatTextPart[] {
  if (content === undefined) return '';
  return anthropicTextContentToChat(content, field, 'OpenAI tool messages carry only text');
}

function toolCall(record: JsonRecord, field: string): ChatToolCall {
  return {
    id: requireString(record.id, `${field}.id`),
    type: 'function',
    function: { name: requireString(record.name, `${field}.name`), arguments: JSON.stringify(requireRecord(record.input, `${field}.input`)) },
  };
}

function imagePart(record: JsonRecord, field: string): ChatUserPart {
  const source = requireRecord(record.source, `${field}.source`);
  if (source.type === 'url') return { type: 'image_url', image_url: { url: requireString(source.url, `${field}.source.url`) } };
  if (source.type !== 'base64') throw untranslatableFieldError(`${field}.source.type`, 'openai', 'only base64 and url image sources can be sent');
  const mediaType = requireString(source.media_type, `${field}.source.media_type`);
  return { type: 'image_url', image_url: { url: formatDataUrl({ mediaType, base64Data: requireString(source.data, `${field}.source.data`) }) } };
}

function filePart(record: JsonRecord, field: string): ChatUserPart {
  for (const refused of ['citations', 'context'] as const) {
    if (record[refused] !== undefined && record[refused] !== null) throw untranslatableFieldError(`${field}.${refused}`, 'openai');
  }
  const source = requireRecord(record.source, `${field}.source`);
  if (source.type !== 'base64' || source.media_type !== 'application/pdf') {
    throw untranslatableFieldError(`${field}.source`, 'openai', 'only base64 PDF documents can be sent as OpenAI files');
  }
  const data = requireString(source.data, `${field}.source.data`);
  // OpenAI wants a file name with inline file data; the title is what the model knew the document by.
  const filename = typeof record.title === 'string' && record.title !== '' ? record.title : 'document.pdf';
  return { type: 'file', file: { filename, file_data: formatDataUrl({ mediaType: 'application/pdf', base64Data: data }) } };
}
