import type { ServerResponse } from 'node:http';
import { WardenError } from '../core/warden-error.js';
import { errorBody, type ErrorDialect } from './error-body.js';
import { statusForCode } from './status-for-code.js';

/**
 * Answers with an error in the route's dialect, with `x-should-retry: false` (refusals also
 * carry a status the official SDKs do not retry). Anything that is not a WardenError is an internal
 * error: the client sees only the request id, never a stack or a secret.
 */
export function sendError(options: { response: ServerResponse; dialect: ErrorDialect; error: unknown; requestId: string }): { status: number; code: string } {
  const { response, dialect, requestId } = options;
  const error = options.error instanceof WardenError ? options.error : undefined;
  const status = error ? statusForCode[error.code] : 500;
  const code = error?.code ?? 'internal_error';
  const message = error?.message ?? `Warden hit an internal error handling request ${requestId}. It has been logged; try again, and report the request id if it persists.`;
  if (response.headersSent) {
    response.destroy();
    return { status, code };
  }
  const bytes = Buffer.from(errorBody({ dialect, status, code, message, ...(error ? { details: error.details } : {}) }));
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': bytes.length,
    'x-warden-request-id': requestId,
    // Warden already retried upstream failures under the money cap; a client retry would multiply them.
    'x-should-retry': error?.code === 'store_unavailable' || error?.code === 'shutting_down' ? 'true' : 'false',
  });
  response.end(bytes);
  return { status, code };
}
