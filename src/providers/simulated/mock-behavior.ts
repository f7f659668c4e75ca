import type { IncomingHttpHeaders } from 'node:http';

/** A failure the mock upstream can play instead of (or in the middle of) a normal answer. */
export type MockFault =
  /** 429 in the route's dialect, with `retry-after` (seconds) and `retry-after-ms` unless `withoutRetryAfter`. */
  | { type: 'rate-limit'; retryAfterInMs?: number; withoutRetryAfter?: boolean }
  /** 500 in the route's dialect; `retry-after` headers only when `retryAfterInMs` is given. */
  | { type: 'server-error'; retryAfterInMs?: number }
  /** 529 `overloaded_error` on Anthropic routes, 503 on OpenAI routes; `retry-after` as for 500. */
  | { type: 'overloaded'; retryAfterInMs?: number }
  /** Accepts the request and never answers, until the client gives up. */
  | { type: 'timeout' }
  /**
   * Streams: cut the connection once this many output tokens are out (default 0: right after the
   * opening events; a shorter stream is cut after its last event, unterminated). JSON: cut before answering.
   */
  | { type: 'disconnect'; afterOutputTokens?: number }
  /**
   * JSON: the status, headers (with the full content-length) and the first half of the body, then
   * the connection is cut. Streams: cut once half the output tokens are out, as `disconnect`.
   */
  | { type: 'reset-mid-body' }
  /**
   * Streams: one extra event whose data is truncated JSON, once this many output tokens are out
   * (default 1); the stream then goes on to its normal end. JSON answers are unchanged.
   */
  | { type: 'malformed-sse'; afterOutputTokens?: number }
  /** Answers in full but never says what it used: no usage chunk or usage fields in streams (even when asked for), no `usage` in JSON. */
  | { type: 'no-usage' };

/** How the mock answers; set per server in options, changed with `setBehavior`, overridden per request by `x-mock-*` headers. */
export interface MockBehavior {
  /** Wait before the first byte of the answer (header `x-mock-latency-ms`). */
  latencyInMs: number;
  /** Pause between SSE events that carry tokens (header `x-mock-chunk-interval-ms`). */
  chunkIntervalInMs: number;
  /** Output tokens of text before `max_tokens` applies (header `x-mock-output-tokens`). */
  outputTokens: number;
  /** Tokens per streamed text delta (header `x-mock-tokens-per-chunk`). */
  tokensPerChunk: number;
  /** Reasoning tokens of OpenAI reasoning models and Anthropic thinking (header `x-mock-reasoning-tokens`). */
  reasoningTokens: number;
  /** `Retry-After` of a rate-limit fault that names none (header `x-mock-retry-after-ms`). */
  retryAfterInMs: number;
  /** Forces the total input tokens instead of counting them (header `x-mock-input-tokens`). */
  inputTokens: number | undefined;
  /** Forces the cache-read input tokens (header `x-mock-cached-tokens`). */
  cachedInputTokens: number | undefined;
  /** Forces Anthropic's cache-write input tokens (header `x-mock-cache-write-tokens`). */
  cacheWriteInputTokens: number | undefined;
  /** Played on every request until cleared (header `x-mock-error`, one request). */
  fault: MockFault | undefined;
  /** Chat Completions and Anthropic Messages answers (JSON and streamed) call this tool instead of writing text, as an agent's model does. */
  toolCall: { name: string; argumentsJson: string } | undefined;
}

/** What one request gets: the behaviour after its headers and the script are applied. */
export type MockRequestPlan = MockBehavior;

/** The behaviour of a server created without options. */
export const defaultMockBehavior: Readonly<MockBehavior> = Object.freeze({
  latencyInMs: 0,
  chunkIntervalInMs: 0,
  outputTokens: 64,
  tokensPerChunk: 1,
  reasoningTokens: 32,
  retryAfterInMs: 1000,
  inputTokens: undefined,
  cachedInputTokens: undefined,
  cacheWriteInputTokens: undefined,
  fault: undefined,
  toolCall: undefined,
});

type NumericField = Exclude<keyof MockBehavior, 'fault' | 'toolCall'>;

const numericHeaders: ReadonlyArray<readonly [string, NumericField]> = [
  ['x-mock-latency-ms', 'latencyInMs'],
  ['x-mock-chunk-interval-ms', 'chunkIntervalInMs'],
  ['x-mock-output-tokens', 'outputTokens'],
  ['x-mock-tokens-per-chunk', 'tokensPerChunk'],
  ['x-mock-reasoning-tokens', 'reasoningTokens'],
  ['x-mock-retry-after-ms', 'retryAfterInMs'],
  ['x-mock-input-tokens', 'inputTokens'],
  ['x-mock-cached-tokens', 'cachedInputTokens'],
  ['x-mock-cache-write-tokens', 'cacheWriteInputTokens'],
];

const faultByHeaderValue: Readonly<Record<string, MockFault['type']>> = {
  'rate-limit': 'rate-limit',
  '429': 'rate-limit',
  'server-error': 'server-error',
  '500': 'server-error',
  overloaded: 'overloaded',
  '503': 'overloaded',
  '529': 'overloaded',
  timeout: 'timeout',
  disconnect: 'disconnect',
  'reset-mid-body': 'reset-mid-body',
  'malformed-sse': 'malformed-sse',
  'no-usage': 'no-usage',
};

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseCount(text: string): number | undefined {
  return /^\d{1,9}$/.test(text.trim()) ? Number(text) : undefined;
}

/** Checks a behaviour's numbers and fills the gaps from `base`; returns a problem message or the behaviour. */
export function mergeMockBehavior(base: Readonly<MockBehavior>, change: Partial<MockBehavior>): MockBehavior | string {
  const merged: MockBehavior = { ...base, ...change };
  for (const [, field] of numericHeaders) {
    const value = merged[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      return `${field} must be a whole number of 0 or more, got ${String(value)}.`;
    }
  }
  if (merged.tokensPerChunk < 1) return 'tokensPerChunk must be at least 1.';
  return merged;
}

/**
 * Applies the request's `x-mock-*` headers to the current behaviour. A header fault wins over a
 * scripted one, which wins over the standing `behavior.fault`. Returns a problem message on a bad header.
 */
export function resolveMockRequestPlan(options: {
  headers: IncomingHttpHeaders;
  behavior: Readonly<MockBehavior>;
  /** Consumes the next scripted fault; not called when a header names the fault. */
  takeScriptedFault: () => MockFault | undefined;
}): MockRequestPlan | string {
  const { headers, behavior } = options;
  const plan: MockRequestPlan = { ...behavior };
  for (const [name, field] of numericHeaders) {
    const text = headerValue(headers, name);
    if (text === undefined) continue;
    const count = parseCount(text);
    if (count === undefined) return `Header ${name} must be a whole number of 0 or more, got "${text}".`;
    plan[field] = count;
  }
  if (plan.tokensPerChunk < 1) return 'Header x-mock-tokens-per-chunk must be at least 1.';
  const faultText = headerValue(headers, 'x-mock-error');
  if (faultText !== undefined) {
    const type = faultByHeaderValue[faultText.trim()];
    if (type === undefined) {
      return `Header x-mock-error must be one of ${Object.keys(faultByHeaderValue).join(', ')}; got "${faultText}".`;
    }
    const afterText = headerValue(headers, 'x-mock-disconnect-after-tokens');
    const afterOutputTokens = afterText === undefined ? undefined : parseCount(afterText);
    if (afterText !== undefined && afterOutputTokens === undefined) {
      return `Header x-mock-disconnect-after-tokens must be a whole number of 0 or more, got "${afterText}".`;
    }
    // x-mock-disconnect-after-tokens also places a malformed-sse fault's bad event.
    plan.fault = type === 'disconnect' || type === 'malformed-sse' ? { type, afterOutputTokens } : { type };
  } else {
    plan.fault = options.takeScriptedFault() ?? behavior.fault;
  }
  return plan;
}
