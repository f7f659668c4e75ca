import type { ObservedMessage, ObservedToolCall } from '../core/loop-observation.js';
import type { Dialect } from './estimate-input-tokens.js';
import { isRecord } from './json-fields.js';

/**
 * A request's messages as the loop detector sees them: role and text, tool results as role
 * `tool`, an assistant's tool calls written into its text (so two different calls differ).
 * Chat Completions and Anthropic Messages; other dialects have no conversation to watch.
 */
export function observedMessages(dialect: Dialect, body: Readonly<Record<string, unknown>>): ObservedMessage[] {
  const observed: ObservedMessage[] = [];
  if (dialect === 'anthropic-messages' && body.system !== undefined) observed.push({ role: 'system', text: textOf(body.system) });
  if (dialect !== 'openai-chat' && dialect !== 'anthropic-messages') return observed;
  for (const message of Array.isArray(body.messages) ? body.messages : []) {
    if (!isRecord(message)) continue;
    if (dialect === 'anthropic-messages') observed.push(...anthropicMessage(message));
    else observed.push(chatMessage(message));
  }
  return observed;
}

/** The tool calls in a non-streamed answer of `dialect` (the upstream's): chat `tool_calls`, Anthropic `tool_use` blocks, Responses `function_call` items. */
export function observedToolCalls(dialect: Dialect, answer: unknown): ObservedToolCall[] {
  if (!isRecord(answer)) return [];
  if (dialect === 'anthropic-messages') {
    return (Array.isArray(answer.content) ? answer.content : [])
      .filter((block): block is Record<string, unknown> => isRecord(block) && block.type === 'tool_use' && typeof block.name === 'string')
      .map((block) => ({ name: block.name as string, argumentsJson: JSON.stringify(block.input ?? {}) }));
  }
  if (dialect === 'openai-responses') {
    return (Array.isArray(answer.output) ? answer.output : [])
      .filter((item): item is Record<string, unknown> => isRecord(item) && item.type === 'function_call' && typeof item.name === 'string')
      .map((item) => ({ name: item.name as string, argumentsJson: typeof item.arguments === 'string' ? item.arguments : JSON.stringify(item.arguments ?? {}) }));
  }
  if (dialect !== 'openai-chat') return [];
  const choice = Array.isArray(answer.choices) ? answer.choices[0] : undefined;
  const message = isRecord(choice) ? choice.message : undefined;
  return isRecord(message) ? chatToolCalls(message.tool_calls) : [];
}

function chatMessage(message: Record<string, unknown>): ObservedMessage {
  const role = message.role === 'tool' || message.role === 'function' ? 'tool' : message.role === 'assistant' ? 'assistant' : message.role === 'user' ? 'user' : 'system';
  const calls = chatToolCalls(message.tool_calls).map((call) => `${call.name}(${call.argumentsJson})`);
  return { role, text: [textOf(message.content), ...calls].filter((text) => text !== '').join('\n') };
}

function chatToolCalls(value: unknown): ObservedToolCall[] {
  return (Array.isArray(value) ? value : []).flatMap((call) => {
    const fn = isRecord(call) ? call.function : undefined;
    return isRecord(fn) && typeof fn.name === 'string' ? [{ name: fn.name, argumentsJson: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) }] : [];
  });
}

/** Anthropic puts tool results in user turns: each becomes a message of its own with role tool. */
function anthropicMessage(message: Record<string, unknown>): ObservedMessage[] {
  const role: ObservedMessage['role'] = message.role === 'assistant' ? 'assistant' : 'user';
  if (!Array.isArray(message.content)) return [{ role, text: textOf(message.content) }];
  const texts: string[] = [];
  const results: ObservedMessage[] = [];
  for (const block of message.content) {
    if (!isRecord(block)) continue;
    if (block.type === 'tool_result') results.push({ role: 'tool', text: textOf(block.content) });
    else if (block.type === 'tool_use') texts.push(`${String(block.name)}(${JSON.stringify(block.input ?? {})})`);
    else if (typeof block.text === 'string') texts.push(block.text);
  }
  return [...results, ...(texts.length > 0 || results.length === 0 ? [{ role, text: texts.join('\n') }] : [])];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}
