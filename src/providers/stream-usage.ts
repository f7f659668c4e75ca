import type { SseEvent } from '../core/sse-parser.js';
import type { Usage } from '../core/usage.js';
import { isRecord, recordField, stringField } from './json-fields.js';

/** An error the provider reported, in a response body or in the middle of a stream. */
export interface ProviderError {
  type: string | undefined;
  code: string | undefined;
  message: string;
}

/** What one non-streamed response body says about its cost. */
export interface ResponseBodyUsage {
  /** Undefined for error bodies and bodies without a usage object. */
  usage: Usage | undefined;
  model: string | undefined;
  error: ProviderError | undefined;
}

/**
 * Follows a provider stream event by event, so the caller can charge it at any moment: on
 * completion from the final usage, on abandonment from `usage` so far plus `generatedCharacters`.
 */
export interface StreamUsage {
  push(event: SseEvent): void;
  /** The best usage known so far; the provider's final count once `isUsageFinal`. */
  readonly usage: Usage | undefined;
  readonly isUsageFinal: boolean;
  readonly model: string | undefined;
  /** UTF-16 code units of text, reasoning and tool arguments the model has streamed so far. */
  readonly generatedCharacters: number;
  readonly error: ProviderError | undefined;
  /** Events that had to be read and whose data was not a JSON object: a provider's broken frames. */
  readonly malformedEvents: number;
}

/** Reads `{ error: { type?, code?, message } }`, the error shape OpenAI and Anthropic share. */
export function readProviderError(container: unknown): ProviderError | undefined {
  const error = recordField(container, 'error');
  return error === undefined ? undefined : toProviderError(error);
}

/** Maps an error object's fields to a ProviderError, tolerating missing ones. */
export function toProviderError(error: Record<string, unknown>): ProviderError {
  return {
    type: stringField(error, 'type'),
    code: stringField(error, 'code'),
    message: stringField(error, 'message') ?? 'The provider reported an error without a message.',
  };
}

/** Reads usage (with the dialect's normaliser), model and error from a parsed response body. */
export function readResponseBody(body: unknown, normaliseUsage: (usage: unknown) => Usage | undefined): ResponseBodyUsage {
  return {
    usage: normaliseUsage(isRecord(body) ? body.usage : undefined),
    model: stringField(body, 'model'),
    error: readProviderError(body),
  };
}
