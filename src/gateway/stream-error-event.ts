import type { SseEvent } from '../core/sse-parser.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';

/** An SSE frame as the client's dialect writes it. */
export function sseFrame(event: SseEvent): string {
  const data = event.data.includes('\n') ? event.data.split('\n').join('\ndata: ') : event.data;
  return event.event === undefined ? `data: ${data}\n\n` : `event: ${event.event}\ndata: ${data}\n\n`;
}

/**
 * The event that ends a stream with an error in the client's dialect, so its SDK raises it
 * (OpenAI chat: a chunk carrying `error`; Responses and Anthropic: an `error` event).
 */
export function streamErrorEvent(options: { dialect: Dialect; code: string; message: string }): string {
  const { code, message } = options;
  switch (options.dialect) {
    case 'anthropic-messages':
      return sseFrame({ event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'api_error', code, message } }) });
    case 'openai-responses':
      return sseFrame({ event: 'error', data: JSON.stringify({ type: 'error', code, message, param: null }) });
    default:
      return sseFrame({ data: JSON.stringify({ error: { message, type: 'warden_error', param: null, code } }) });
  }
}
