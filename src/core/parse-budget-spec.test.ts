import { describe, expect, it } from 'vitest';
import { parseBudgetSpec } from './parse-budget-spec.js';
import { WardenError } from './warden-error.js';

const dollars = (amount: number) => amount * 1_000_000_000;

describe('parseBudgetSpec', () => {
  it.each([
    ['25/day', { window: 'day', hardInNanoUsd: dollars(25) }],
    ['$0.50/hour', { window: 'hour', hardInNanoUsd: dollars(0.5) }],
    ['100/week', { window: 'week', hardInNanoUsd: dollars(100) }],
    ['1000.25/month', { window: 'month', hardInNanoUsd: 1000_250_000_000 }],
    ['5/total', { window: 'total', hardInNanoUsd: dollars(5) }],
    ['25', { window: 'total', hardInNanoUsd: dollars(25) }],
    [' 2.5 / Day ', { window: 'day', hardInNanoUsd: dollars(2.5) }],
    ['25/day shadow', { window: 'day', hardInNanoUsd: dollars(25), mode: 'shadow' }],
    ['$1 SHADOW', { window: 'total', hardInNanoUsd: dollars(1), mode: 'shadow' }],
  ])('parses %j', (text, expected) => {
    expect(parseBudgetSpec(text)).toEqual(expected);
  });

  it.each(['', '25/fortnight', '25$/day', '-1/day', 'ten/day', '25/day/extra', '25/request', '/day', 'shadow', '25/dayshadow'])('refuses %j with the expected shape', (text) => {
    let caught: unknown;
    try {
      parseBudgetSpec(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WardenError);
    expect(caught).toMatchObject({
      code: 'invalid_request',
      message: `expected a budget like "25/day" or "25/day shadow" (dollars / hour, day, week, month or total), got ${JSON.stringify(text)}`,
    });
  });
});
