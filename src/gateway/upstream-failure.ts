import type { IncomingHttpHeaders } from 'node:http';
import type { RetryableError } from '../core/retry-policy.js';

/** How the gateway treats a failed upstream attempt. */
export type FailureKind =
  /** 408, 409, 429, 5xx, timeouts, connection errors: retry, then fall back. */
  | 'transient'
  /** 401/403 from the provider: Warden's own credentials are wrong; fall back, never relay the body. */
  | 'credentials'
  /** Any other 4xx: the request itself is wrong; answer the client with it. */
  | 'client';

export interface UpstreamFailure {
  kind: FailureKind;
  retryable: RetryableError;
  status?: number;
  /** The upstream's error body, for client failures. */
  bodyText?: string;
  /** For people: what happened, without secrets. */
  summary: string;
}

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Classifies an upstream HTTP answer that was not 200. */
export function failureFromStatus(options: { upstream: string; status: number; headers: IncomingHttpHeaders; bodyText: string }): UpstreamFailure {
  const { status, headers } = options;
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const retryAfter = header('retry-after');
  const retryAfterMs = header('retry-after-ms');
  const shouldRetry = header('x-should-retry');
  const retryable: RetryableError = {
    status,
    kind: 'http',
    ...(retryAfter === undefined ? {} : { retryAfterHeader: retryAfter }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMsHeader: retryAfterMs }),
    ...(shouldRetry === undefined ? {} : { shouldRetryHeader: shouldRetry }),
  };
  if (status === 401 || status === 403) {
    return { kind: 'credentials', retryable, status, summary: `${options.upstream} rejected Warden's credentials (HTTP ${status})` };
  }
  const transient = status === 408 || status === 409 || status === 429 || status >= 500;
  return {
    kind: transient ? 'transient' : 'client',
    retryable,
    status,
    bodyText: options.bodyText,
    summary: `${options.upstream} answered HTTP ${status}`,
  };
}

/** Classifies an error thrown while sending (timeouts, refused or reset connections). */
export function failureFromError(options: { upstream: string; error: unknown }): UpstreamFailure {
  const code = typeof options.error === 'object' && options.error !== null ? (options.error as { code?: unknown }).code : undefined;
  const timeout = typeof code === 'string' && timeoutCodes.has(code);
  return {
    kind: 'transient',
    retryable: { kind: timeout ? 'timeout' : 'connection' },
    summary: `${options.upstream} ${timeout ? 'timed out' : `could not be reached (${typeof code === 'string' ? code : 'connection error'})`}`,
  };
}

/** True for the abort Warden itself caused (the client left, or a kill switch). */
export function isAbort(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR';
}
