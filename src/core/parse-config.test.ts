import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { WardenError } from './warden-error.js';

function errorOf(input: unknown): WardenError {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected parseConfig to throw');
}

describe('parseConfig', () => {
  it('fills defaults for an empty config', () => {
    const config = parseConfig(undefined);
    expect(config.org).toBe('default');
    expect(config.timeZone).toBe('UTC');
    expect(config.retry.maxRetries).toBe(2);
    expect(config.retry.maxRetryCostUsd).toBe(1_000_000_000);
    expect(config.estimation.minUsefulOutputTokens).toBe(64);
  });

  it('parses dollar amounts exactly into nano-USD', () => {
    const config = parseConfig({
      budgets: [{ scope: 'team:research', window: 'day', hard: '25.50', soft: 0.1, calls: 5 }],
    });
    expect(config.budgets[0]).toMatchObject({ hard: 25_500_000_000, soft: 100_000_000, calls: 5, clamp: true });
  });

  it('names the path and the fix for a bad amount', () => {
    const error = errorOf({ budgets: [{ scope: 'team:research', window: 'day', hard: '25$' }] });
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('budgets[0].hard: expected a dollar amount like "25" or "25.50", got "25$"');
  });

  it('rejects unknown keys so typos fail', () => {
    const error = errorOf({ budgets: [{ scope: 'team:a', hard: 1, windw: 'day' }] });
    expect(error.message).toContain('budgets[0]: unknown key "windw"');
  });

  it('rejects a bad scope and a bad window with the allowed values', () => {
    const error = errorOf({ budgets: [{ scope: 'squad:a', window: 'fortnight', hard: 1 }] });
    expect(error.message).toContain('budgets[0].scope: expected a scope like "team:research"');
    expect(error.message).toContain('budgets[0].window: expected one of request, task, hour, day, week, month, total');
  });

  it('requires a limit and soft ≤ hard', () => {
    expect(errorOf({ budgets: [{ scope: 'team:a' }] }).message).toContain('a budget needs at least one of hard, soft or calls');
    expect(errorOf({ budgets: [{ scope: 'team:a', hard: 1, soft: 2 }] }).message).toContain('budgets[0].soft: soft must not be above hard');
  });

  it('validates price overrides', () => {
    const error = errorOf({ prices: { overrides: { 'my-model': { input: -1, output: 2 } } } });
    expect(error.message).toContain('prices.overrides.my-model.input: a price cannot be negative');
  });

  it('returns a frozen config', () => {
    const config = parseConfig({ budgets: [{ scope: 'org:acme', hard: 1 }] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.budgets[0])).toBe(true);
  });
});
