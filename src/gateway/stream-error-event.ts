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
 * (OpenAI chat: a chunk carrying `error`; Responses and Anthropic: an `error` event). Details
 * (an approval's id, say) go under `warden`, as in JSON error bodies.
 */
export function streamErrorEvent(options: { dialect: Dialect; code: string; message: string; details?: Record<string, unknown> }): string {
  const { code, message } = options;
  const details = options.details !== undefined && Object.keys(options.details).length > 0 ? { warden: options.details } : {};
  switch (options.dialect) {
    case 'anthropic-messages':
      return formatSseFrame({ type: 'error', error: { type: 'api_error', code, message, ...details } }, 'error');
    case 'openai-responses':
      // The API reference puts code and message on the event; the live API (and so the official SDK, which raises on it) nests them in `error`.
      return formatSseFrame({ type: 'error', code, message, param: null, error: { type: 'warden_error', code, message, param: null, ...details } }, 'error');
    default:
      return formatSseFrame({ error: { message, type: 'warden_error', param: null, code, ...details } });
  }
}
