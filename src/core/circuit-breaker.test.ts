import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createManualClock } from './clock.js';

const setup = () => {
  const clock = createManualClock(1_000_000);
  const breaker = createCircuitBreaker({ failureThreshold: 3, cooldownInMs: 10_000, clock });
  const fail = (name: string, times: number) => {
    for (let index = 0; index < times; index += 1) breaker.recordFailure(name);
  };
  return { clock, breaker, fail };
};

describe('createCircuitBreaker', () => {
  it('starts closed and lets every request through for an unknown upstream', () => {
    const { breaker } = setup();
    expect(breaker.stateOf('openai')).toBe('closed');
    expect(breaker.canRequest('openai')).toBe(true);
    expect(breaker.canRequest('openai')).toBe(true);
    expect(breaker.states()).toEqual([]);
  });

  it('opens only after the threshold of consecutive failures; a success resets the count', () => {
    const { breaker, fail } = setup();
    fail('openai', 2);
    breaker.recordSuccess('openai');
    fail('openai', 2);
    expect(breaker.stateOf('openai')).toBe('closed');
    expect(breaker.canRequest('openai')).toBe(true);
    fail('openai', 1);
    expect(breaker.stateOf('openai')).toBe('open');
    expect(breaker.canRequest('openai')).toBe(false);
  });

  it('keeps upstreams apart', () => {
    const { breaker, fail } = setup();
    fail('openai', 3);
    expect(breaker.canRequest('openai')).toBe(false);
    expect(breaker.canRequest('anthropic')).toBe(true);
  });

  it('goes half-open after the cooldown and lets exactly one trial through', () => {
    const { breaker, clock, fail } = setup();
    fail('openai', 3);
    clock.advance(9_999);
    expect(breaker.canRequest('openai')).toBe(false);
    clock.advance(1);
    expect(breaker.stateOf('openai')).toBe('half-open');
    expect(breaker.canRequest('openai')).toBe(true);
    expect(breaker.canRequest('openai')).toBe(false);
    expect(breaker.canRequest('openai')).toBe(false);
  });

  it('closes when the trial succeeds', () => {
    const { breaker, clock, fail } = setup();
    fail('openai', 3);
    clock.advance(10_000);
    expect(breaker.canRequest('openai')).toBe(true);
    breaker.recordSuccess('openai');
    expect(breaker.stateOf('openai')).toBe('closed');
    expect(breaker.canRequest('openai')).toBe(true);
    expect(breaker.canRequest('openai')).toBe(true);
    expect(breaker.states()).toEqual([{ name: 'openai', state: 'closed', consecutiveFailures: 0 }]);
  });

  it('reopens for another full cooldown when the trial fails', () => {
    const { breaker, clock, fail } = setup();
    fail('openai', 3);
    clock.advance(10_000);
    expect(breaker.canRequest('openai')).toBe(true);
    breaker.recordFailure('openai');
    expect(breaker.stateOf('openai')).toBe('open');
    expect(breaker.states()).toEqual([{ name: 'openai', state: 'open', consecutiveFailures: 4, openedAtInMs: 1_010_000 }]);
    clock.advance(9_999);
    expect(breaker.canRequest('openai')).toBe(false);
    clock.advance(1);
    expect(breaker.canRequest('openai')).toBe(true);
  });

  it('does not extend the cooldown for late failures of requests sent before it opened', () => {
    const { breaker, clock, fail } = setup();
    fail('openai', 3);
    clock.advance(5_000);
    fail('openai', 2);
    expect(breaker.states()[0]).toMatchObject({ state: 'open', consecutiveFailures: 5, openedAtInMs: 1_000_000 });
    clock.advance(5_000);
    expect(breaker.stateOf('openai')).toBe('half-open');
  });

  it('lets a new trial through when the previous one never reported back within a cooldown', () => {
    const { breaker, clock, fail } = setup();
    fail('openai', 3);
    clock.advance(10_000);
    expect(breaker.canRequest('openai')).toBe(true);
    clock.advance(9_999);
    expect(breaker.canRequest('openai')).toBe(false);
    clock.advance(1);
    expect(breaker.canRequest('openai')).toBe(true);
  });
});
