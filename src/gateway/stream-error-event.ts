import type { SseEvent } from '../core/sse-parser.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
import { formatSseFrame } from '../providers/translate/sse-frame.js';

/** A parsed SSE event written back as a frame (its data may span lines). */
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
      return formatSseFrame({ type: 'error', error: { type: 'api_error', code, message } }, 'error');
    case 'openai-responses':
      return formatSseFrame({ type: 'error', code, message, param: null }, 'error');
    default:
      return formatSseFrame({ error: { message, type: 'warden_error', param: null, code } });
  }
}
