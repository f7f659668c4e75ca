import { describe, expect, it } from 'vitest';
import { isWardenError } from '../core/warden-error.js';
import { parsePlan } from './parse-plan.js';

function problem(input: unknown): string {
  try {
    parsePlan(input, 'plan.yaml');
  } catch (error) {
    if (isWardenError(error) && error.code === 'invalid_config') return error.message;
    throw error;
  }
  throw new Error('the plan was accepted');
}

describe('parsePlan', () => {
  it('reads rates as numbers or percentages, dollars as text or numbers, and fills defaults', () => {
    const plan = parsePlan(
      {
        name: 'report',
        resumeCostFraction: 0.25,
        maxAttemptsPerStep: 4,
        handOff: { cost: '2.50' },
        steps: [
          { name: 'plan', successRate: '90%', costPerAttempt: '0.02' },
          { name: 'search', successRate: 0.8, attemptCosts: [0.01, '0.03'], resumeCostFraction: 1, maxAttempts: 2 },
        ],
      },
      'plan.yaml',
    );
    expect(plan).toEqual({
      name: 'report',
      handOff: { costInNanoUsd: 2_500_000_000, attemptsPerStep: 1 },
      steps: [
        { name: 'plan', successProbability: 0.9, attemptCost: { kind: 'fixed', costInNanoUsd: 20_000_000 }, resumeCostFraction: 0.25, maxAttempts: 4 },
        { name: 'search', successProbability: 0.8, attemptCost: { kind: 'empirical', attemptCostsInNanoUsd: [10_000_000, 30_000_000] }, resumeCostFraction: 1, maxAttempts: 2 },
      ],
    });
  });

  it('names the file as the plan when the plan has no name', () => {
    expect(parsePlan({ steps: [{ name: 'a', successRate: 1, costPerAttempt: 1 }] }, 'plan.yaml').name).toBe('plan.yaml');
  });

  it('says which path is wrong and what to write', () => {
    expect(problem({ steps: [{ name: 'a', successRate: 1.5, costPerAttempt: '0.01' }] })).toBe(
      'Invalid plan in plan.yaml:\n  steps[0].successRate: expected a success rate like 0.9 or "90%": above 0 and at most 1, got 1.5',
    );
    expect(problem({ steps: [{ name: 'a', successRate: '0%', costPerAttempt: '0.01' }] })).toContain('steps[0].successRate: expected a success rate like 0.9 or "90%"');
    expect(problem({ steps: [{ name: 'a', successRate: 0.9, costPerAttempt: '1$' }] })).toContain('steps[0].costPerAttempt: expected a dollar amount like "25" or "25.50", got "1$"');
    expect(problem({ steps: [{ name: 'a', successRate: 0.9 }] })).toContain('steps[0]: give exactly one of costPerAttempt (USD per attempt, like "0.02") or attemptCosts');
    expect(problem({ steps: [{ name: 'a', successRate: 0.9, costPerAttempt: 1, attemptCosts: [1] }] })).toContain('steps[0]: give exactly one of costPerAttempt');
    expect(problem({ steps: [{ name: 'a', successRate: 0.9, costPerAtempt: 1 }] })).toContain('steps[0]: unknown key "costPerAtempt"; remove or correct it');
    expect(problem({ steps: [] })).toContain('steps: a plan needs at least one step');
    expect(problem({})).toContain('steps: expected steps: a list of { name, successRate, costPerAttempt or attemptCosts }');
    expect(problem({ steps: [{ name: 'a', successRate: 0.9, costPerAttempt: 1, maxAttempts: 0 }] })).toContain('steps[0].maxAttempts: expected a number above 0');
    expect(problem({ steps: [{ name: 'a', successRate: 0.9, costPerAttempt: 1, resumeCostFraction: -1 }] })).toContain('steps[0].resumeCostFraction: a resume cost fraction cannot be negative');
    expect(problem({ handOff: { attemptsPerStep: 2 }, steps: [{ name: 'a', successRate: 0.9, costPerAttempt: 1 }] })).toContain('handOff.cost: expected what a person taking over one task costs in USD, like "2.50" or 0.02');
    expect(problem({ handOff: { cost: '2,50' }, steps: [{ name: 'a', successRate: 0.9, costPerAttempt: 1 }] })).toContain('handOff.cost: expected a dollar amount like "25" or "25.50", got "2,50"');
  });

  it('refuses repeated step names and a task cap that no task could finish under', () => {
    const step = { name: 'a', successRate: 0.9, costPerAttempt: 1 };
    expect(problem({ steps: [step, step] })).toContain('steps: step names must differ; rename the repeated one');
    expect(problem({ maxAttemptsPerTask: 1, steps: [step, { ...step, name: 'b' }] })).toContain('maxAttemptsPerTask: maxAttemptsPerTask is below the number of steps');
  });
});
