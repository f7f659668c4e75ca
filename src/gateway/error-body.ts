import type { ErrorCode } from '../core/warden-error.js';

/** The error format a route speaks: OpenAI's `{ error: {...} }` or Anthropic's `{ type: 'error', error: {...} }`. */
export type ErrorDialect = 'openai' | 'anthropic';

const typeForStatus: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'insufficient_quota',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  502: 'api_error',
  503: 'api_error',
  504: 'api_error',
};

/** An error body in the route's own dialect, carrying Warden's stable code. */
export function errorBody(options: { dialect: ErrorDialect; status: number; code: ErrorCode | string; message: string; details?: Record<string, unknown> }): string {
  const type = typeForStatus[options.status] ?? (options.status >= 500 ? 'api_error' : 'invalid_request_error');
  const details = options.details && Object.keys(options.details).length > 0 ? { warden: options.details } : {};
  if (options.dialect === 'anthropic') {
    return JSON.stringify({ type: 'error', error: { type, code: options.code, message: options.message, ...details } });
  }
  return JSON.stringify({ error: { message: options.message, type, param: null, code: options.code, ...details } });
}
