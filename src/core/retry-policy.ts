import { formatUsd, nanoUsdPerUsd, type NanoUsd } from './money.js';

/** What a failed attempt looked like, independent of any SDK's error classes. */
export interface RetryableError {
  status?: number;
  /** `Retry-After`: seconds, or an HTTP-date. */
  retryAfterHeader?: string;
  /** `retry-after-ms` (OpenAI, Anthropic): milliseconds; wins over Retry-After. */
  retryAfterMsHeader?: string;
  /** `x-should-retry` ("true" / "false"): the upstream's own verdict, as the official SDKs honour it. */
  shouldRetryHeader?: string;
  kind?: 'timeout' | 'connection' | 'http';
}

/** How retries back off and when they stop, by count and by money. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Stop when money already spent on retries plus the next attempt's estimate would exceed this. */
  maxRetryCostInNanoUsd: NanoUsd;
  initialDelayInMs: number;
  maxDelayInMs: number;
  multiplier: number;
  /** full: random in [0, d); equal: d/2 + random in [0, d/2); none: d. */
  jitter: 'full' | 'equal' | 'none';
  /** A Retry-After longer than this means: do not retry. */
  maxRetryAfterInMs: number;
}

/** Two retries, 0.5 s doubling to 8 s with full jitter, $1 of retries, Retry-After up to 60 s. */
export const defaultRetryPolicy: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 2,
  maxRetryCostInNanoUsd: nanoUsdPerUsd,
  initialDelayInMs: 500,
  maxDelayInMs: 8000,
  multiplier: 2,
  jitter: 'full',
  maxRetryAfterInMs: 60_000,
});

/** Input of decideRetry; unset policy fields take defaultRetryPolicy's values. */
export interface DecideRetryOptions {
  error: RetryableError;
  /** The attempt that just failed: 1 for the original call. */
  attempt: number;
  /** Money already charged for retries of this call (not the original attempt). */
  retrySpentInNanoUsd?: NanoUsd;
  /** Upper-bound cost of the retry being considered. */
  nextAttemptEstimateInNanoUsd?: NanoUsd;
  policy?: Partial<RetryPolicy>;
  /** Returns a number in [0, 1); passed in so decisions are reproducible. */
  random: () => number;
  /** Current time, to read a Retry-After given as an HTTP-date. */
  nowInMs: number;
}

/** Why retrying stopped, for callers that map it to an error code. */
export type RetryStopCode = 'not_retryable' | 'retry_limit' | 'money_cap' | 'retry_after_too_long';

/** Retry after `delayInMs`, or stop with a code and a sentence fit for an error message. */
export type RetryDecision = { retry: true; delayInMs: number } | { retry: false; code: RetryStopCode; reason: string };

/**
 * Decides whether to retry a failed upstream attempt and after how long. Retries 408, 409,
 * 429, 5xx (529 included), timeouts and connection errors, within the count and money caps.
 * @example decideRetry({ error: { status: 429, retryAfterHeader: '2' }, attempt: 1, random: Math.random, nowInMs: clock.now() })
 */
export function decideRetry(options: DecideRetryOptions): RetryDecision {
  const { error, attempt, retrySpentInNanoUsd = 0, nextAttemptEstimateInNanoUsd = 0, random, nowInMs } = options;
  const policy = withDefaults(options.policy);

  const notRetryable = whyNotRetryable(error);
  if (notRetryable !== undefined) return { retry: false, code: 'not_retryable', reason: notRetryable };

  if (attempt > policy.maxRetries) {
    return {
      retry: false,
      code: 'retry_limit',
      reason: `gave up after ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'} (maxRetries is ${policy.maxRetries}); last error: ${describeError(error)}`,
    };
  }

  if (retrySpentInNanoUsd + nextAttemptEstimateInNanoUsd > policy.maxRetryCostInNanoUsd) {
    return {
      retry: false,
      code: 'money_cap',
      reason:
        `retry money cap ${usd(policy.maxRetryCostInNanoUsd)} would be exceeded by the next attempt ` +
        `(est. ${usd(nextAttemptEstimateInNanoUsd)}, already spent ${usd(retrySpentInNanoUsd)})`,
    };
  }

  const requested = requestedDelay(error, nowInMs);
  if (requested !== undefined) {
    if (requested.delayInMs > policy.maxRetryAfterInMs) {
      return {
        retry: false,
        code: 'retry_after_too_long',
        reason:
          `the upstream asked to wait ${seconds(requested.delayInMs)} (${requested.header}), ` +
          `longer than the ${seconds(policy.maxRetryAfterInMs)} allowed (maxRetryAfterInMs)`,
      };
    }
    return { retry: true, delayInMs: requested.delayInMs };
  }

  return { retry: true, delayInMs: backoffDelayInMs(policy, attempt, random) };
}

/** Whether the error is one a retry can fix, ignoring count and money. */
export function isRetryableError(error: RetryableError): boolean {
  return whyNotRetryable(error) === undefined;
}

function withDefaults(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  // Not a spread: an override given as undefined must not erase the default.
  return {
    maxRetries: overrides.maxRetries ?? defaultRetryPolicy.maxRetries,
    maxRetryCostInNanoUsd: overrides.maxRetryCostInNanoUsd ?? defaultRetryPolicy.maxRetryCostInNanoUsd,
    initialDelayInMs: overrides.initialDelayInMs ?? defaultRetryPolicy.initialDelayInMs,
    maxDelayInMs: overrides.maxDelayInMs ?? defaultRetryPolicy.maxDelayInMs,
    multiplier: overrides.multiplier ?? defaultRetryPolicy.multiplier,
    jitter: overrides.jitter ?? defaultRetryPolicy.jitter,
    maxRetryAfterInMs: overrides.maxRetryAfterInMs ?? defaultRetryPolicy.maxRetryAfterInMs,
  };
}

function whyNotRetryable(error: RetryableError): string | undefined {
  const shouldRetry = error.shouldRetryHeader?.trim().toLowerCase();
  if (shouldRetry === 'false') return `the upstream said not to retry (x-should-retry: false; ${describeError(error)})`;
  if (shouldRetry === 'true') return undefined;
  if (error.kind === 'timeout' || error.kind === 'connection') return undefined;
  const { status } = error;
  if (status === undefined) return 'the error has no HTTP status and is neither a timeout nor a connection error';
  if (status === 408 || status === 409 || status === 429 || (status >= 500 && status <= 599)) return undefined;
  return `HTTP ${status} is not retryable (only 408, 409, 429, 5xx, timeouts and connection errors are)`;
}

function requestedDelay(error: RetryableError, nowInMs: number): { delayInMs: number; header: string } | undefined {
  const milliseconds = parseNonNegativeNumber(error.retryAfterMsHeader);
  if (milliseconds !== undefined) return { delayInMs: Math.ceil(milliseconds), header: 'retry-after-ms' };
  const header = error.retryAfterHeader?.trim();
  if (header === undefined || header === '') return undefined;
  const secondsToWait = parseNonNegativeNumber(header);
  if (secondsToWait !== undefined) return { delayInMs: Math.ceil(secondsToWait * 1000), header: 'Retry-After' };
  const dateInMs = parseHttpDate(header);
  if (dateInMs === undefined) return undefined;
  return { delayInMs: Math.max(0, dateInMs - nowInMs), header: 'Retry-After' };
}

function parseHttpDate(text: string): number | undefined {
  // Every HTTP-date form starts with a day name; Date.parse alone would read "-3" as a year.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  // The asctime form carries no zone and means GMT; without one Date.parse would use the host's zone.
  const dateInMs = Date.parse(/\b(GMT|UTC)$/i.test(text) ? text : `${text} GMT`);
  return Number.isNaN(dateInMs) ? undefined : dateInMs;
}

function parseNonNegativeNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : undefined;
}

function backoffDelayInMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  const ceilingInMs = Math.min(policy.maxDelayInMs, policy.initialDelayInMs * policy.multiplier ** exponent);
  switch (policy.jitter) {
    case 'none':
      return Math.round(ceilingInMs);
    case 'equal':
      return Math.floor(ceilingInMs / 2 + random() * (ceilingInMs / 2));
    case 'full':
      return Math.floor(random() * ceilingInMs);
  }
}

function describeError(error: RetryableError): string {
  if (error.kind === 'timeout') return 'timeout';
  if (error.kind === 'connection') return 'connection error';
  return error.status === undefined ? 'unknown error' : `HTTP ${error.status}`;
}

/** Dollars with as many decimals as the amount needs, at least two: $0.05, $0.0003, $1.00. */
function usd(nano: NanoUsd): string {
  return formatUsd(nano, 9).replace(/(\.\d\d\d*?)0+$/, '$1');
}

function seconds(milliseconds: number): string {
  return `${Number((milliseconds / 1000).toFixed(3))}s`;
}
