import type { Dialect } from './estimate-input-tokens.js';
import { isRecord } from './json-fields.js';

/** The text of the last user turn of a request, for content-based routing rules. */
export function lastUserText(dialect: Dialect, body: Readonly<Record<string, unknown>>): string {
  if (dialect === 'openai-responses') {
    if (typeof body.input === 'string') return body.input;
    return lastUserContent(Array.isArray(body.input) ? body.input : []);
  }
  if (dialect === 'openai-embeddings') return typeof body.input === 'string' ? body.input : '';
  return lastUserContent(Array.isArray(body.messages) ? body.messages : []);
}

function lastUserContent(messages: readonly unknown[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (isRecord(message) && (message.role === 'user' || (message.role === undefined && message.type === 'message'))) return textOf(message.content);
  }
  return '';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && typeof part.text === 'string' && part.type !== 'tool_result' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}
