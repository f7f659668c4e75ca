import type { AnthropicStopReason } from './anthropic-wire-types.js';
import type { ChatFinishReason } from './chat-wire-types.js';

const chatReasonByStopReason: Readonly<Record<string, ChatFinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // pause_turn only follows server tools, which a translated request never enables.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

const stopReasonByChatReason: Readonly<Record<string, AnthropicStopReason>> = {
  // OpenAI does not say whether a stop sequence was hit, so `stop` is always end_turn.
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** The chat finish_reason for an Anthropic stop_reason; unknown reasons read as `stop`, absent as null. */
export function chatFinishReasonFrom(stopReason: unknown): ChatFinishReason | null {
  if (typeof stopReason !== 'string') return null;
  return chatReasonByStopReason[stopReason] ?? 'stop';
}

/** The Anthropic stop_reason for a chat finish_reason; unknown reasons read as end_turn, absent as null. */
export function anthropicStopReasonFrom(finishReason: unknown): AnthropicStopReason | null {
  if (typeof finishReason !== 'string') return null;
  return stopReasonByChatReason[finishReason] ?? 'end_turn';
}
