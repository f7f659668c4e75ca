import type { RetryableError } from '../core/retry-policy.js';

interface HeaderSource {
  get?: (name: string) => string | null | undefined;
}

/** True for the caller's own cancellation (an AbortSignal, or the SDKs' user-abort errors). */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const record = error as { name?: unknown; constructor?: { name?: string } };
  return /UserAbort|AbortError/.test(`${typeof record.name === 'string' ? record.name : ''} ${record.constructor?.name ?? ''}`);
}

/**
 * Reads an official SDK error (openai, @anthropic-ai/sdk, ai) structurally: status, retry headers
 * and whether it was a timeout or a connection failure. Undefined for a caller's own abort.
 */
export function describeUpstreamError(error: unknown): RetryableError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { name?: unknown; status?: unknown; statusCode?: unknown; headers?: unknown; responseHeaders?: unknown; constructor?: { name?: string } };
  const name = `${typeof record.name === 'string' ? record.name : ''} ${record.constructor?.name ?? ''}`;
  if (isAbortError(error)) return undefined;
  const status = typeof record.status === 'number' ? record.status : typeof record.statusCode === 'number' ? record.statusCode : undefined;
  const header = headerReader(record.headers ?? record.responseHeaders);
  const retryAfterHeader = header('retry-after');
  const retryAfterMsHeader = header('retry-after-ms');
  const shouldRetryHeader = header('x-should-retry');
  return {
    ...(status === undefined ? {} : { status }),
    kind: /Timeout/.test(name) ? 'timeout' : status === undefined ? 'connection' : 'http',
    ...(retryAfterHeader === undefined ? {} : { retryAfterHeader }),
    ...(retryAfterMsHeader === undefined ? {} : { retryAfterMsHeader }),
    ...(shouldRetryHeader === undefined ? {} : { shouldRetryHeader }),
  };
}

function headerReader(headers: unknown): (name: string) => string | undefined {
  if (typeof headers !== 'object' || headers === null) return () => undefined;
  const source = headers as HeaderSource & Record<string, unknown>;
  if (typeof source.get === 'function') return (name) => source.get?.(name) ?? undefined;
  return (name) => {
    const value = source[name];
    return typeof value === 'string' ? value : undefined;
  };
}
