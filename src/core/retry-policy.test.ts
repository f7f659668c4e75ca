import { describe, expect, it } from 'vitest';
import { decideRetry, defaultRetryPolicy, isRetryableError, type DecideRetryOptions } from './retry-policy.js';

const nowInMs = Date.parse('2026-11-22T12:00:00Z');
const cents = (amount: number) => amount * 10_000_000;
const decide = (overrides: Partial<DecideRetryOptions>) =>
  decideRetry({ error: { status: 503 }, attempt: 1, random: () => 0.5, nowInMs, ...overrides });

describe('decideRetry: which errors', () => {
  it.each([408, 409, 429, 500, 502, 503, 504, 529])('retries HTTP %i', (status) => {
    expect(decide({ error: { status } }).retry).toBe(true);
    expect(isRetryableError({ status })).toBe(true);
  });

  it.each([400, 401, 402, 403, 404, 413, 422])('does not retry HTTP %i, and says why', (status) => {
    expect(decide({ error: { status } })).toEqual({
      retry: false,
      code: 'not_retryable',
      reason: `HTTP ${status} is not retryable (only 408, 409, 429, 5xx, timeouts and connection errors are)`,
    });
  });

  it('retries timeouts and connection errors, which carry no status', () => {
    expect(decide({ error: { kind: 'timeout' } }).retry).toBe(true);
    expect(decide({ error: { kind: 'connection' } }).retry).toBe(true);
    expect(decide({ error: { kind: 'http' } })).toMatchObject({ retry: false, code: 'not_retryable' });
    expect(decide({ error: {} })).toMatchObject({ retry: false, reason: expect.stringMatching(/no HTTP status/) });
  });

  it('follows x-should-retry over the status, as the official SDKs do', () => {
    expect(decide({ error: { status: 503, shouldRetryHeader: 'false' } })).toMatchObject({
      retry: false,
      code: 'not_retryable',
      reason: expect.stringMatching(/x-should-retry: false; HTTP 503/),
    });
    expect(decide({ error: { status: 400, shouldRetryHeader: 'True' } }).retry).toBe(true);
    expect(decide({ error: { status: 400, shouldRetryHeader: 'maybe' } }).retry).toBe(false);
  });
});

describe('decideRetry: how many and how much', () => {
  it('allows maxRetries retries after the original attempt', () => {
    expect(decide({ attempt: 1 }).retry).toBe(true);
    expect(decide({ attempt: 2 }).retry).toBe(true);
    expect(decide({ attempt: 3 })).toEqual({
      retry: false,
      code: 'retry_limit',
      reason: 'gave up after 3 attempts (maxRetries is 2); last error: HTTP 503',
    });
    expect(decide({ attempt: 1, policy: { maxRetries: 0 }, error: { kind: 'timeout' } })).toMatchObject({
      retry: false,
      reason: 'gave up after 1 attempt (maxRetries is 0); last error: timeout',
    });
  });

  it('stops when the next attempt would push retry spend past the money cap', () => {
    const policy = { maxRetryCostInNanoUsd: cents(5) };
    expect(decide({ policy, retrySpentInNanoUsd: cents(4), nextAttemptEstimateInNanoUsd: cents(2) })).toEqual({
      retry: false,
      code: 'money_cap',
      reason: 'retry money cap $0.05 would be exceeded by the next attempt (est. $0.02, already spent $0.04)',
    });
    expect(decide({ policy, retrySpentInNanoUsd: cents(3), nextAttemptEstimateInNanoUsd: cents(2) }).retry).toBe(true);
    expect(decide({ policy: { maxRetryCostInNanoUsd: 0 }, nextAttemptEstimateInNanoUsd: 1 })).toMatchObject({
      code: 'money_cap',
      reason: expect.stringContaining('cap $0.00 would be exceeded by the next attempt (est. $0.000000001'),
    });
  });

  it('caps retry spend at $1 by default', () => {
    expect(defaultRetryPolicy.maxRetryCostInNanoUsd).toBe(1_000_000_000);
    expect(decide({ retrySpentInNanoUsd: cents(90), nextAttemptEstimateInNanoUsd: cents(11) })).toMatchObject({ code: 'money_cap' });
  });

  it('keeps a default when an override is given as undefined', () => {
    expect(decide({ attempt: 2, policy: { maxRetries: undefined } }).retry).toBe(true);
    expect(decide({ attempt: 3, policy: { maxRetries: undefined } }).retry).toBe(false);
  });
});

describe('decideRetry: how long to wait', () => {
  it('backs off exponentially up to maxDelayInMs without jitter', () => {
    const policy = { jitter: 'none', maxRetries: 10 } as const;
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => decide({ attempt, policy }));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000].map((delayInMs) => ({ retry: true, delayInMs })));
  });

  it('spreads the delay over [0, d) with full jitter and [d/2, d) with equal jitter', () => {
    const at = (random: number, jitter: 'full' | 'equal') => decide({ attempt: 2, random: () => random, policy: { jitter } });
    expect([at(0, 'full'), at(0.5, 'full'), at(0.999, 'full')]).toEqual([
      { retry: true, delayInMs: 0 },
      { retry: true, delayInMs: 500 },
      { retry: true, delayInMs: 999 },
    ]);
    expect([at(0, 'equal'), at(0.5, 'equal'), at(0.999, 'equal')]).toEqual([
      { retry: true, delayInMs: 500 },
      { retry: true, delayInMs: 750 },
      { retry: true, delayInMs: 999 },
    ]);
  });

  it('uses the policy multiplier and initial delay', () => {
    const policy = { jitter: 'none', initialDelayInMs: 100, multiplier: 3 } as const;
    expect(decide({ attempt: 2, policy })).toEqual({ retry: true, delayInMs: 300 });
  });

  it('honours Retry-After in seconds, fractional seconds and retry-after-ms, without jitter', () => {
    expect(decide({ error: { status: 429, retryAfterHeader: '7' } })).toEqual({ retry: true, delayInMs: 7000 });
    expect(decide({ error: { status: 429, retryAfterHeader: ' 1.5 ' } })).toEqual({ retry: true, delayInMs: 1500 });
    expect(decide({ error: { status: 429, retryAfterHeader: '7', retryAfterMsHeader: '250' } })).toEqual({ retry: true, delayInMs: 250 });
  });

  it('honours Retry-After as an HTTP-date relative to nowInMs', () => {
    const error = { status: 503, retryAfterHeader: 'Sun, 22 Nov 2026 12:00:30 GMT' };
    expect(decide({ error })).toEqual({ retry: true, delayInMs: 30_000 });
    const asctime = { status: 503, retryAfterHeader: 'Sun Nov 22 12:00:05 2026' };
    expect(decide({ error: asctime })).toEqual({ retry: true, delayInMs: 5_000 });
    const past = { status: 503, retryAfterHeader: 'Sun, 22 Nov 2026 11:59:00 GMT' };
    expect(decide({ error: past })).toEqual({ retry: true, delayInMs: 0 });
  });

  it('falls back to backoff when Retry-After cannot be read', () => {
    const policy = { jitter: 'none' } as const;
    expect(decide({ policy, error: { status: 429, retryAfterHeader: 'soon' } })).toEqual({ retry: true, delayInMs: 500 });
    expect(decide({ policy, error: { status: 429, retryAfterHeader: '-3' } })).toEqual({ retry: true, delayInMs: 500 });
    expect(decide({ policy, error: { status: 429, retryAfterHeader: '2026-11-22' } })).toEqual({ retry: true, delayInMs: 500 });
    expect(decide({ policy, error: { status: 429, retryAfterMsHeader: 'abc' } })).toEqual({ retry: true, delayInMs: 500 });
  });

  it('does not retry when asked to wait longer than maxRetryAfterInMs, and says why', () => {
    expect(decide({ error: { status: 429, retryAfterHeader: '120' } })).toEqual({
      retry: false,
      code: 'retry_after_too_long',
      reason: 'the upstream asked to wait 120s (Retry-After), longer than the 60s allowed (maxRetryAfterInMs)',
    });
    expect(decide({ error: { status: 429, retryAfterMsHeader: '1500' }, policy: { maxRetryAfterInMs: 1000 } })).toMatchObject({
      code: 'retry_after_too_long',
      reason: expect.stringMatching(/wait 1.5s \(retry-after-ms\), longer than the 1s/),
    });
    expect(decide({ error: { status: 429, retryAfterHeader: '60' } })).toEqual({ retry: true, delayInMs: 60_000 });
  });
});
