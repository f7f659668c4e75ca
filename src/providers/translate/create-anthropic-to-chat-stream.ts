import type { SseEvent } from '../../core/sse-parser.js';
import { createAnthropicStreamUsage } from '../anthropic/anthropic-usage.js';
import { parseJsonRecord, recordField, stringField, type JsonRecord } from '../json-fields.js';
import type { ChatFinishReason } from './chat-wire-types.js';
import { chatStreamDoneFrame, formatSseFrame } from './sse-frame.js';
import type { StreamTranslator } from './stream-translator.js';
import { anthropicErrorToChat } from './translate-error-body.js';
import { chatFinishReasonFrom } from './translate-finish-reason.js';
import { chatUsageFrom } from './translate-usage.js';

export interface AnthropicToChatStreamOptions {
  id: string;
  createdInSeconds: number;
  /** Used until `message_start` reports the model Anthropic actually ran. */
  model: string;
  /** The client set `stream_options.include_usage`: end with a `choices: []` usage chunk. */
  includeUsage: boolean;
}

interface ToolBlock {
  toolIndex: number;
  input: unknown;
  hasArguments: boolean;
}

/**
 * Turns Anthropic Messages stream events into `chat.completion.chunk` SSE frames: a role chunk,
 * text and tool-call deltas, a finish_reason chunk, the optional usage chunk and `[DONE]`.
 * Thinking deltas are dropped; an `error` event becomes an OpenAI `{error}` frame.
 * @example const translator = createAnthropicToChatStream({ id, createdInSeconds, model, includeUsage: true });
 */
export function createAnthropicToChatStream(options: AnthropicToChatStreamOptions): StreamTranslator {
  const usage = createAnthropicStreamUsage();
  const toolBlocks = new Map<number, ToolBlock>();
  let model = options.model;
  let state: 'waiting' | 'streaming' | 'stopped' | 'failed' = 'waiting';

  const frame = (fields: JsonRecord): string =>
    formatSseFrame({ id: options.id, object: 'chat.completion.chunk', created: options.createdInSeconds, model, ...fields });
  const chunk = (delta: JsonRecord, finishReason: ChatFinishReason | null = null): string =>
    frame({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });
  const toolChunk = (toolCall: JsonRecord): string => chunk({ tool_calls: [toolCall] });
  const opening = (): string => {
    if (state !== 'waiting') return '';
    state = 'streaming';
    return chunk({ role: 'assistant', content: '' });
  };

  function blockStart(payload: JsonRecord): string {
    const block = recordField(payload, 'content_block');
    const index = payload.index;
    if (block?.type === 'text') {
      const text = stringField(block, 'text');
      return text === undefined ? '' : chunk({ content: text });
    }
    if (block?.type !== 'tool_use' || typeof index !== 'number') return '';
    const toolIndex = toolBlocks.size;
    toolBlocks.set(index, { toolIndex, input: block.input, hasArguments: false });
    const name = stringField(block, 'name') ?? '';
    return toolChunk({ index: toolIndex, id: stringField(block, 'id') ?? '', type: 'function', function: { name, arguments: '' } });
  }

  function blockDelta(payload: JsonRecord): string {
    const delta = recordField(payload, 'delta');
    if (delta?.type === 'text_delta') {
      const text = stringField(delta, 'text');
      return text === undefined ? '' : chunk({ content: text });
    }
    const tool = typeof payload.index === 'number' ? toolBlocks.get(payload.index) : undefined;
    const partialJson = stringField(delta, 'partial_json');
    if (delta?.type !== 'input_json_delta' || tool === undefined || partialJson === undefined) return '';
    tool.hasArguments = true;
    return toolChunk({ index: tool.toolIndex, function: { arguments: partialJson } });
  }

  function blockStop(payload: JsonRecord): string {
    const tool = typeof payload.index === 'number' ? toolBlocks.get(payload.index) : undefined;
    if (tool === undefined || tool.hasArguments) return '';
    // A tool without input may stream no JSON at all; clients must still get parseable arguments.
    tool.hasArguments = true;
    return toolChunk({ index: tool.toolIndex, function: { arguments: JSON.stringify(tool.input ?? {}) } });
  }

  function messageStop(): string {
    state = 'stopped';
    const finalUsage = usage.usage;
    if (!options.includeUsage || finalUsage === undefined) return '';
    return frame({ choices: [], usage: chatUsageFrom(finalUsage) });
  }

  return {
    push(event: SseEvent): string {
      if (state === 'stopped' || state === 'failed') return '';
      const payload = parseJsonRecord(event.data);
      if (payload === undefined) return '';
      usage.push(event);
      switch (payload.type) {
        case 'message_start':
          model = stringField(recordField(payload, 'message'), 'model') ?? model;
          return opening();
        case 'content_block_start':
          return opening() + blockStart(payload);
        case 'content_block_delta':
          return opening() + blockDelta(payload);
        case 'content_block_stop':
          return blockStop(payload);
        case 'message_delta': {
          const finishReason = chatFinishReasonFrom(recordField(payload, 'delta')?.stop_reason);
          return finishReason === null ? '' : opening() + chunk({}, finishReason);
        }
        case 'message_stop':
          return opening() + messageStop();
        case 'error':
          state = 'failed';
          return formatSseFrame(anthropicErrorToChat(payload));
        default:
          return '';
      }
    },
    end(): string {
      if (state === 'stopped') return chatStreamDoneFrame;
      if (state === 'failed') return '';
      state = 'failed';
      // Without message_stop the answer may be cut short; a clean [DONE] would hide that from the client.
      return formatSseFrame({
        error: { message: 'The Anthropic stream ended before message_stop, so the answer may be incomplete; retry the request.', type: 'server_error', param: null, code: 'upstream_error' },
      });
    },
  };
}
