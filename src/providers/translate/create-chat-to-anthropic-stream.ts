import type { SseEvent } from '../../core/sse-parser.js';
import type { Usage } from '../../core/usage.js';
import { isRecord, parseJsonRecord, recordField, stringField, type JsonRecord } from '../json-fields.js';
import { normaliseOpenAIChatUsage } from '../openai/openai-chat-usage.js';
import type { AnthropicStopReason } from './anthropic-wire-types.js';
import { formatSseFrame } from './sse-frame.js';
import type { StreamTranslator } from './stream-translator.js';
import { chatErrorToAnthropic } from './translate-error-body.js';
import { anthropicStopReasonFrom } from './translate-finish-reason.js';
import { anthropicUsageFrom } from './translate-usage.js';

export interface ChatToAnthropicStreamOptions {
  /** The message id the client sees. */
  id: string;
  /** The model reported in message_start, which goes out before any upstream chunk names one. */
  model: string;
}

type OpenBlock = { kind: 'text'; index: number } | { kind: 'tool'; index: number; toolIndex: number };

/**
 * Turns `chat.completion.chunk` events into Messages stream events. The upstream must be asked
 * for `include_usage`: message_delta and message_stop go out once both the finish_reason and
 * the usage chunk have arrived, or at end() with zero usage when the usage never came.
 * @example const translator = createChatToAnthropicStream({ id: 'msg_1', model: 'gpt-4o' });
 */
export function createChatToAnthropicStream(options: ChatToAnthropicStreamOptions): StreamTranslator {
  let state: 'waiting' | 'streaming' | 'stopped' | 'failed' = 'waiting';
  let openBlock: OpenBlock | undefined;
  let blockCount = 0;
  const closedTools = new Set<number>();
  let stopReason: AnthropicStopReason | undefined;
  let sawRefusal = false;
  let usage: Usage | undefined;

  const emit = (payload: JsonRecord): string => formatSseFrame(payload, String(payload.type));
  const fail = (error: unknown): string => {
    state = 'failed';
    return emit(chatErrorToAnthropic({ error }));
  };

  function opening(): string {
    if (state !== 'waiting') return '';
    state = 'streaming';
    return emit({
      type: 'message_start',
      message: {
        id: options.id, type: 'message', role: 'assistant', model: options.model, content: [], stop_reason: null, stop_sequence: null,
        // OpenAI reports usage only at the end; message_delta carries the real counts.
        usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
  }

  function closeBlock(): string {
    if (openBlock === undefined) return '';
    if (openBlock.kind === 'tool') closedTools.add(openBlock.toolIndex);
    const index = openBlock.index;
    openBlock = undefined;
    return emit({ type: 'content_block_stop', index });
  }

  function startBlock(block: OpenBlock, contentBlock: JsonRecord): string {
    const closing = closeBlock();
    openBlock = block;
    blockCount += 1;
    return closing + emit({ type: 'content_block_start', index: block.index, content_block: contentBlock });
  }

  function text(value: string): string {
    const starting = openBlock?.kind === 'text' ? '' : startBlock({ kind: 'text', index: blockCount }, { type: 'text', text: '' });
    const index = openBlock?.index ?? 0;
    return starting + emit({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: value } });
  }

  function toolCall(call: JsonRecord): string {
    const toolIndex = typeof call.index === 'number' ? call.index : 0;
    const argumentsText = stringField(recordField(call, 'function'), 'arguments');
    let out = '';
    if (openBlock?.kind !== 'tool' || openBlock.toolIndex !== toolIndex) {
      // Anthropic blocks cannot be reopened, so a call resumed after another began cannot be relayed.
      if (closedTools.has(toolIndex)) return fail({ type: 'server_error', message: `The upstream resumed tool call ${toolIndex} after starting another; retry the request.` });
      const id = stringField(call, 'id') ?? `toolu_${options.id}_${toolIndex}`;
      const name = stringField(recordField(call, 'function'), 'name') ?? '';
      out += startBlock({ kind: 'tool', index: blockCount, toolIndex }, { type: 'tool_use', id, name, input: {} });
    }
    if (argumentsText === undefined) return out;
    return out + emit({ type: 'content_block_delta', index: openBlock?.index ?? 0, delta: { type: 'input_json_delta', partial_json: argumentsText } });
  }

  function choiceEvents(choice: JsonRecord): string {
    const delta = recordField(choice, 'delta');
    let out = '';
    const content = stringField(delta, 'content');
    if (content !== undefined) out += text(content);
    // A refusal reaches the user as text; stop_reason says what it was.
    const refusal = stringField(delta, 'refusal');
    if (refusal !== undefined) {
      sawRefusal = true;
      out += text(refusal);
    }
    const toolCalls = Array.isArray(delta?.tool_calls) ? delta.tool_calls : [];
    for (const call of toolCalls) {
      if (isRecord(call)) out += toolCall(call);
      if (state === 'failed') return out;
    }
    const finishReason = anthropicStopReasonFrom(choice.finish_reason);
    if (finishReason !== null) {
      stopReason = sawRefusal && finishReason === 'end_turn' ? 'refusal' : finishReason;
      out += closeBlock();
    }
    return out;
  }

  function finish(finalUsage: Usage | undefined): string {
    state = 'stopped';
    const usageFields = finalUsage === undefined ? { output_tokens: 0 } : anthropicUsageFrom(finalUsage);
    return (
      closeBlock() +
      emit({ type: 'message_delta', delta: { stop_reason: stopReason ?? 'end_turn', stop_sequence: null }, usage: usageFields }) +
      emit({ type: 'message_stop' })
    );
  }

  return {
    push(event: SseEvent): string {
      if (state === 'stopped' || state === 'failed') return '';
      const chunk = parseJsonRecord(event.data);
      if (chunk === undefined) return '';
      if (chunk.error !== undefined && chunk.error !== null) return fail(chunk.error);
      let out = opening();
      usage = normaliseOpenAIChatUsage(chunk.usage) ?? usage;
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      // Warden never asks for n > 1, so only the first choice exists.
      const choice = choices.find((candidate) => isRecord(candidate) && (candidate.index ?? 0) === 0);
      if (isRecord(choice)) out += choiceEvents(choice);
      if (state === 'streaming' && stopReason !== undefined && usage !== undefined) out += finish(usage);
      return out;
    },
    end(): string {
      if (state === 'stopped' || state === 'failed') return '';
      if (stopReason !== undefined) return finish(usage);
      // Without a finish_reason the answer may be cut short; message_stop would hide that from the client.
      return fail({ type: 'server_error', message: 'The OpenAI stream ended before a finish_reason, so the answer may be incomplete; retry the request.' });
    },
  };
}
