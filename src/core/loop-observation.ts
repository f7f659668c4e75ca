/** One message of a request as the loop detector sees it; tool results have role `tool`. */
export interface ObservedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /**
   * The message's text. For an assistant message that called tools, its text alone (may be
   * empty): the calls are in the previous observation's toolCalls, and their ids would make
   * every repeat look new.
   */
  text: string;
}

/** A tool call the model made in its response. */
export interface ObservedToolCall {
  name: string;
  /** The arguments as the model wrote them (a JSON text; invalid JSON is compared as text). */
  argumentsJson: string;
}

/**
 * One LLM call of a task, observed when it has finished. Provider-neutral: the gateway and the
 * SDK translate OpenAI or Anthropic messages into this shape.
 */
export interface LoopObservation {
  /** The whole request as sent: the full history for stateless APIs. */
  messages: readonly ObservedMessage[];
  /** Tool calls in the response, in order; empty when it called none or the call failed. */
  toolCalls: readonly ObservedToolCall[];
  /** The upstream call failed (error status, timeout, connection error) after Warden sent it. */
  failed: boolean;
  timeInMs: number;
}
