import type { SseEvent } from '../../core/sse-parser.js';
import type { Usage } from '../../core/usage.js';
import { isRecord, parseJsonRecord, recordField, stringField, type JsonRecord } from '../json-fields.js';
import { normaliseOpenAIChatUsage } from '../openai/openai-chat-usage.js';
import { createAnthropicBlockWriter, formatAnthropicEvent } from './anthropic-block-writer.js';
import type { AnthropicStopReason } from './anthropic-wire-types.js';
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

/**
 * Turns `chat.completion.chunk` events into Messages stream events. The upstream must be asked
 * for `include_usage`: message_delta and message_stop go out once both the finish_reason and
 * the usage chunk have arrived, or at end() with zero usage when the usage never came.
 * @example const translator = createChatToAnthropicStream({ id: 'msg_1', model: 'gpt-4o' });
 */
export function createChatToAnthropicStream(options: ChatToAnthropicStreamOptions): StreamTranslator {
  const blocks = createAnthropicBlockWriter();
  let state: 'waiting' | 'streaming' | 'stopped' | 'failed' = 'waiting';
  let stopReason: AnthropicStopReason | undefined;
  let sawRefusal = false;
  let usage: Usage | undefined;

  const fail = (error: unknown): string => {
    state = 'failed';
    return formatAnthropicEvent(chatErrorToAnthropic({ error }));
  };

  function opening(): string {
    if (state !== 'waiting') return '';
    state = 'streaming';
    // OpenAI reports usage only at the end; message_delta carries the real counts.
    const emptyUsage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const message = { id: options.id, type: 'message', role: 'assistant', model: options.model, content: [], stop_reason: null, stop_sequence: null, usage: emptyUsage };
    return formatAnthropicEvent({ type: 'message_start', message });
  }

  function toolCall(call: JsonRecord): string {
    const toolIndex = typeof call.index === 'number' ? call.index : 0;
    // Anthropic blocks cannot be reopened, so a call resumed after another began cannot be relayed.
    if (blocks.isToolClosed(toolIndex)) return fail({ type: 'server_error', message: `The upstream resumed tool call ${toolIndex} after starting another; retry the request.` });
    const definition = recordField(call, 'function');
    return blocks.toolCall({
      toolIndex,
      id: stringField(call, 'id') ?? `toolu_${options.id}_${toolIndex}`,
      name: stringField(definition, 'name') ?? '',
      argumentsText: stringField(definition, 'arguments'),
    });
  }

  function choiceEvents(choice: JsonRecord): string {
    const delta = recordField(choice, 'delta');
    let out = '';
    const content = stringField(delta, 'content');
    if (content !== undefined) out += blocks.text(content);
    // A refusal reaches the user as text; stop_reason says what it was.
    const refusal = stringField(delta, 'refusal');
    if (refusal !== undefined) {
      sawRefusal = true;
      out += blocks.text(refusal);
    }
    for (const call of Array.isArray(delta?.tool_calls) ? delta.tool_calls : []) {
      if (isRecord(call)) out += toolCall(call);
      if (state === 'failed') return out;
    }
    const finishReason = anthropicStopReasonFrom(choice.finish_reason);
    if (finishReason !== null) {
      stopReason = sawRefusal && finishReason === 'end_turn' ? 'refusal' : finishReason;
      out += blocks.close();
    }
    return out;
  }

  function finish(finalStopReason: AnthropicStopReason): string {
    state = 'stopped';
    const usageFields = usage === undefined ? { output_tokens: 0 } : anthropicUsageFrom(usage);
    const delta = { stop_reason: finalStopReason, stop_sequence: null };
    return blocks.close() + formatAnthropicEvent({ type: 'message_delta', delta, usage: usageFields }) + formatAnthropicEvent({ type: 'message_stop' });
  }

  return {
    push(event: SseEvent): string {
      if (state === 'stopped' || state === 'failed') return '';
      const chunk = parseJsonRecord(event.data);
      if (chunk === undefined) return '';
      if (chunk.error !== undefined && chunk.error !== null) return fail(chunk.error);
      let out = opening();
      usage = normaliseOpenAIChatUsage(chunk.usage) ?? usage;
      // Warden never asks for n > 1, so only the first choice exists.
      const choice = Array.isArray(chunk.choices) ? chunk.choices.find((candidate) => isRecord(candidate) && (candidate.index ?? 0) === 0) : undefined;
      if (isRecord(choice)) out += choiceEvents(choice);
      if (state === 'streaming' && stopReason !== undefined && usage !== undefined) out += finish(stopReason);
      return out;
    },
    end(): string {
      if (state === 'stopped' || state === 'failed') return '';
      if (stopReason !== undefined) return finish(stopReason);
      // Without a finish_reason the answer may be cut short; message_stop would hide that from the client.
      return fail({ type: 'server_error', message: 'The OpenAI stream ended before a finish_reason, so the answer may be incomplete; retry the request.' });
    },
  };
}
