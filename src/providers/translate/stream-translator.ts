import type { SseEvent } from '../../core/sse-parser.js';

/** Converts a provider stream event by event into SSE text in the client's dialect. */
export interface StreamTranslator {
  /** The SSE text (zero or more frames) this upstream event becomes. */
  push(event: SseEvent): string;
  /** The frames that close the client stream once the upstream stream has ended. */
  end(): string;
}
