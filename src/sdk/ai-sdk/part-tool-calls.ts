import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { ObservedToolCall } from '../../core/loop-observation.js';
import { noToolCallProgress, type StreamedToolCall, type ToolCallProgress } from '../../core/tool-call-hold.js';
import type { StreamToolOptions } from '../guard-stream.js';

/**
 * Follows the tool calls in an AI SDK model stream: a call runs from `tool-input-start` (or its
 * `tool-call` part alone) to its `tool-call` part, which carries the whole input. Calls the
 * provider runs itself are not the app's to run and are left alone.
 */
export function createPartToolCalls(): Pick<StreamToolOptions<LanguageModelV3StreamPart>, 'read' | 'end'> & { calls(): ObservedToolCall[] } {
  const open = new Map<string, { name: string; argumentsJson: string }>();
  const seen: ObservedToolCall[] = [];
  return {
    read(part) {
      switch (part.type) {
        case 'tool-input-start':
          if (part.providerExecuted === true) return noToolCallProgress;
          open.set(part.id, { name: part.toolName, argumentsJson: '' });
          return { touches: [part.id], completes: [] };
        case 'tool-input-delta': {
          const call = open.get(part.id);
          if (call === undefined) return noToolCallProgress;
          call.argumentsJson += part.delta;
          return { touches: [part.id], completes: [] };
        }
        case 'tool-input-end':
          return open.has(part.id) ? { touches: [part.id], completes: [] } : noToolCallProgress;
        case 'tool-call': {
          if (part.providerExecuted === true) return noToolCallProgress;
          open.delete(part.toolCallId);
          const call: StreamedToolCall = { key: part.toolCallId, name: part.toolName, argumentsJson: part.input === '' ? '{}' : part.input };
          seen.push({ name: call.name, argumentsJson: call.argumentsJson });
          return { touches: [part.toolCallId], completes: [call] };
        }
        default:
          return noToolCallProgress;
      }
    },
    end() {
      const unfinished = [...open].map(([key, call]) => ({ key, name: call.name, argumentsJson: call.argumentsJson === '' ? '{}' : call.argumentsJson }));
      open.clear();
      seen.push(...unfinished.map(({ name, argumentsJson }) => ({ name, argumentsJson })));
      return unfinished;
    },
    calls: () => [...seen],
  };
}
