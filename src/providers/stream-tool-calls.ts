import type { ObservedToolCall } from '../core/loop-observation.js';
import type { SseEvent } from '../core/sse-parser.js';
import type { Dialect } from './estimate-input-tokens.js';
import { isRecord } from './json-fields.js';

/** Collects the tool calls a streamed answer makes, from its events as they pass. */
export interface StreamToolCalls {
  push(event: SseEvent): void;
  /** The calls seen so far, arguments as streamed (complete once the stream has ended). */
  calls(): ObservedToolCall[];
}

/** Chat Completions (`delta.tool_calls`, by index) and Anthropic Messages (`tool_use` blocks and their `input_json_delta`). */
export function createStreamToolCalls(dialect: Dialect): StreamToolCalls {
  const byIndex = new Map<number, { name: string; argumentsJson: string }>();
  const parse = (data: string): unknown => {
    if (data === '[DONE]') return undefined;
    try {
      return JSON.parse(data);
    } catch (error) {
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  };
  return {
    push(event) {
      const payload = parse(event.data);
      if (!isRecord(payload)) return;
      if (dialect === 'anthropic-messages') {
        const index = typeof payload.index === 'number' ? payload.index : -1;
        const block = payload.content_block;
        if (payload.type === 'content_block_start' && isRecord(block) && block.type === 'tool_use' && typeof block.name === 'string') {
          byIndex.set(index, { name: block.name, argumentsJson: '' });
        } else if (payload.type === 'content_block_delta' && isRecord(payload.delta) && payload.delta.type === 'input_json_delta') {
          const call = byIndex.get(index);
          if (call !== undefined && typeof payload.delta.partial_json === 'string') call.argumentsJson += payload.delta.partial_json;
        }
        return;
      }
      if (dialect !== 'openai-chat') return;
      const choice = Array.isArray(payload.choices) ? payload.choices[0] : undefined;
      const delta = isRecord(choice) ? choice.delta : undefined;
      if (!isRecord(delta) || !Array.isArray(delta.tool_calls)) return;
      for (const part of delta.tool_calls) {
        if (!isRecord(part) || typeof part.index !== 'number') continue;
        const fn = isRecord(part.function) ? part.function : {};
        const call = byIndex.get(part.index) ?? { name: '', argumentsJson: '' };
        if (typeof fn.name === 'string') call.name += fn.name;
        if (typeof fn.arguments === 'string') call.argumentsJson += fn.arguments;
        byIndex.set(part.index, call);
      }
    },
    calls() {
      return [...byIndex.entries()]
        .sort(([left], [right]) => left - right)
        .map(([, call]) => ({ name: call.name, argumentsJson: call.argumentsJson === '' ? '{}' : call.argumentsJson }))
        .filter((call) => call.name !== '');
    },
  };
}
