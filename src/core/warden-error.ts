/** Every stable error code Warden emits. The gateway maps each to an HTTP status. */
export type ErrorCode =
  | 'budget_exceeded'
  | 'call_limit_exceeded'
  | 'price_unknown'
  | 'invalid_config'
  | 'invalid_request'
  | 'upstream_error'
  | 'retry_budget_exhausted'
  | 'reservation_not_found'
  | 'store_unavailable'
  | 'unauthorized'
  | 'forbidden'
  | 'model_not_allowed'
  | 'not_found'
  | 'payload_too_large'
  | 'kill_switch'
  | 'upstream_timeout'
  | 'loop_detected'
  | 'tool_not_allowed'
  | 'approval_pending'
  | 'shutting_down';

export const errorCodes = [
  'budget_exceeded',
  'call_limit_exceeded',
  'price_unknown',
  'invalid_config',
  'invalid_request',
  'upstream_error',
  'retry_budget_exhausted',
  'reservation_not_found',
  'store_unavailable',
  'unauthorized',
  'forbidden',
  'model_not_allowed',
  'not_found',
  'payload_too_large',
  'kill_switch',
  'upstream_timeout',
  'loop_detected',
  'tool_not_allowed',
  'approval_pending',
  'shutting_down',
] as const satisfies readonly ErrorCode[];

export interface WardenErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error type. `code` is stable and machine-readable; `message` tells the reader what to do.
 * @example throw new WardenError('price_unknown', 'No price for "acme-1". Add it under prices in the config.');
 */
export class WardenError extends Error {
  override readonly name = 'WardenError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: WardenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isWardenError(value: unknown): value is WardenError {
  return value instanceof WardenError;
}
