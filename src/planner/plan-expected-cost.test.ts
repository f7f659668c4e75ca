import { describe, expect, it } from 'vitest';
import { exactExpectedCost } from './exact-expected-cost.js';
import { planExpectedCost } from './plan-expected-cost.js';
import { createSeededRandom } from '../core/seeded-random.js';
import type { PlanStep, TaskPlan } from './task-plan.js';

const cent = 10_000_000; // $0.01 in nano-USD

function step(name: string, successProbability: number, costInNanoUsd: number, extra: Partial<PlanStep> = {}): PlanStep {
  return { name, successProbability, attemptCost: { kind: 'fixed', costInNanoUsd }, resumeCostFraction: 0, ...extra };
}

const threeAtNinety: TaskPlan = { name: 'three', steps: [step('a', 0.9, cent), step('b', 0.9, cent), step('c', 0.9, cent)], handOff: { costInNanoUsd: 100 * cent, attemptsPerStep: 1 } };

function report(plan: TaskPlan, samples = 40_000) {
  return planExpectedCost({ plan, random: createSeededRandom(7), samples });
}

function strategy(plan: TaskPlan, name: 'restart' | 'resume' | 'hand-off', samples?: number) {
  const found = report(plan, samples).strategies.find((entry) => entry.strategy === name);
  if (found === undefined) throw new Error(`no ${name} in the report`);
  return found;
}

describe('restart on failure', () => {
  it('three chained steps at 90 % cost c·(1 + 0.9 + 0.81) / 0.729', () => {
    // A run reaches step 2 with 0.9 and step 3 with 0.81; a run succeeds with 0.9³ = 0.729.
    const byHand = (cent * (1 + 0.9 + 0.81)) / 0.729; // 37 174 211.2 nano-USD, $0.0371742
    const exact = exactExpectedCost(threeAtNinety, 'restart');
    expect(exact?.expectedCostInNanoUsd).toBeCloseTo(byHand, 3);
    expect(exact?.successProbability).toBe(1);

    const figures = strategy(threeAtNinety, 'restart');
    expect(figures.method).toBe('exact');
    expect(figures.expectedCostInNanoUsd).toBe(37_174_211);
    expect(Math.abs(figures.simulation.meanInNanoUsd - byHand)).toBeLessThan(4 * figures.simulation.standardErrorInNanoUsd);
    expect(figures.simulation.standardErrorInNanoUsd).toBeGreaterThan(0);
  });

  it('a run cap K leaves success at 1 − (1 − P)^K and scales the cost by it', () => {
    const capped: TaskPlan = { ...threeAtNinety, steps: threeAtNinety.steps.map((entry) => ({ ...entry, maxAttempts: 2 })) };
    const success = 1 - (1 - 0.729) ** 2;
    const exact = exactExpectedCost(capped, 'restart');
    expect(exact?.successProbability).toBeCloseTo(success, 12);
    expect(exact?.expectedCostInNanoUsd).toBeCloseTo((cent * 2.71 * success) / 0.729, 3);
    const figures = strategy(capped, 'restart');
    expect(Math.abs(figures.simulation.successRate - success)).toBeLessThan(4 * figures.simulation.successStandardError);
  });
});

describe('resume from a checkpoint', () => {
  it('costs Σ cᵢ / pᵢ without caps when restoring is free', () => {
    const plan: TaskPlan = { name: 'mixed', steps: [step('a', 0.9, cent), step('b', 0.8, 2 * cent), step('c', 0.5, 3 * cent)] };
    const byHand = cent / 0.9 + (2 * cent) / 0.8 + (3 * cent) / 0.5;
    const figures = strategy(plan, 'resume');
    expect(exactExpectedCost(plan, 'resume')?.expectedCostInNanoUsd).toBeCloseTo(byHand, 3);
    expect(figures.expectedCostInNanoUsd).toBe(Math.round(byHand));
    expect(Math.abs(figures.simulation.meanInNanoUsd - byHand)).toBeLessThan(4 * figures.simulation.standardErrorInNanoUsd);
  });

  it('adds f · (1/p − 1) · the checkpoint’s work for each retried step', () => {
    const plan: TaskPlan = { name: 'resume-fraction', steps: [step('a', 0.5, cent), step('b', 0.5, 2 * cent, { resumeCostFraction: 0.5 })] };
    // Step b is retried once on average and each retry restores step a's work at half price.
    const byHand = cent / 0.5 + (2 * cent) / 0.5 + 0.5 * (1 / 0.5 - 1) * cent;
    const figures = strategy(plan, 'resume');
    expect(figures.expectedCostInNanoUsd).toBe(Math.round(byHand));
    expect(Math.abs(figures.simulation.meanInNanoUsd - byHand)).toBeLessThan(4 * figures.simulation.standardErrorInNanoUsd);
  });
});

describe('a single step with an attempt cap', () => {
  const single: TaskPlan = { name: 'single', steps: [step('only', 0.5, cent, { maxAttempts: 3 })] };

  it('is a truncated geometric: c · (1 − (1 − p)^K) / p, success 1 − (1 − p)^K', () => {
    // Attempts 1, 2, 3 happen with chance 1, 0.5, 0.25.
    const byHand = cent * (1 + 0.5 + 0.25);
    for (const name of ['restart', 'resume'] as const) {
      const figures = strategy(single, name);
      expect(figures.method).toBe('exact');
      expect(figures.expectedCostInNanoUsd).toBe(byHand);
      expect(figures.successProbability).toBeCloseTo(0.875, 12);
      expect(figures.expectedCostPerFinishedTaskInNanoUsd).toBe(Math.round(byHand / 0.875));
      expect(Math.abs(figures.simulation.meanInNanoUsd - byHand)).toBeLessThan(4 * figures.simulation.standardErrorInNanoUsd);
    }
  });

  it('simulates a per-task cap, which has no closed form here, and lands on the same truncated geometric', () => {
    const plan: TaskPlan = { name: 'task-cap', steps: [step('only', 0.5, cent)], maxAttemptsPerTask: 3 };
    const figures = strategy(plan, 'resume');
    expect(figures.method).toBe('monte-carlo');
    expect(figures.standardErrorInNanoUsd).toBeGreaterThan(0);
    expect(Math.abs(figures.expectedCostInNanoUsd - 1.75 * cent)).toBeLessThan(4 * (figures.standardErrorInNanoUsd ?? 0));
    expect(Math.abs(figures.successProbability - 0.875)).toBeLessThan(4 * figures.simulation.successStandardError);
  });

  it('has p95 = 5 attempts uncapped at p = 0.5 (nearest rank: P(N ≤ 4) = 0.9375 < 0.95 ≤ P(N ≤ 5))', () => {
    const plan: TaskPlan = { name: 'uncapped', steps: [step('only', 0.5, cent)] };
    expect(strategy(plan, 'resume').p95CostInNanoUsd).toBe(5 * cent);
  });
});

describe('hand to a person', () => {
  it('spends the machine cost until the first failure plus the hand-off cost times its chance', () => {
    const machine = cent * (1 + 0.9 + 0.81);
    const handOffProbability = 1 - 0.729;
    const figures = strategy(threeAtNinety, 'hand-off');
    expect(figures.method).toBe('exact');
    expect(figures.expectedMachineCostInNanoUsd).toBe(Math.round(machine));
    expect(figures.handOffProbability).toBeCloseTo(handOffProbability, 12);
    expect(figures.successProbability).toBeCloseTo(0.729, 12);
    expect(figures.expectedCostInNanoUsd).toBe(Math.round(machine + handOffProbability * 100 * cent));
    expect(Math.abs(figures.simulation.meanInNanoUsd - (machine + handOffProbability * 100 * cent))).toBeLessThan(4 * figures.simulation.standardErrorInNanoUsd);
  });

  it('retries in place before handing off when attemptsPerStep is above 1', () => {
    const plan: TaskPlan = { name: 'two-tries', steps: [step('only', 0.5, cent)], handOff: { costInNanoUsd: 100 * cent, attemptsPerStep: 2 } };
    const figures = strategy(plan, 'hand-off');
    expect(figures.expectedCostInNanoUsd).toBe(cent * 1.5 + 0.25 * 100 * cent);
  });

  it('is left out, with a note, when the plan prices no hand-off', () => {
    const plan: TaskPlan = { name: 'no-hand-off', steps: [step('only', 0.5, cent)] };
    const result = report(plan, 1_000);
    expect(result.strategies.map((entry) => entry.strategy)).toEqual(['restart', 'resume']);
    expect(result.notes.join('\n')).toContain('hand-off is left out');
  });
});

describe('empirical attempt costs', () => {
  it('use the observed mean in the closed form and the observed values in the simulation', () => {
    const plan: TaskPlan = {
      name: 'empirical',
      steps: [
        { name: 'a', successProbability: 0.8, attemptCost: { kind: 'empirical', attemptCostsInNanoUsd: [cent, 2 * cent, 6 * cent] }, resumeCostFraction: 0 },
        step('b', 0.7, cent),
      ],
    };
    const byHand = (3 * cent * (1) + cent * 0.8) / (0.8 * 0.7);
    const figures = strategy(plan, 'restart');
    expect(figures.expectedCostInNanoUsd).toBe(Math.round(byHand));
    expect(Math.abs(figures.simulation.meanInNanoUsd - byHand)).toBeLessThan(4 * figures.simulation.standardErrorInNanoUsd);
  });
});

describe('the saving from one point', () => {
  it('is the difference of two closed forms', () => {
    const restart = strategy(threeAtNinety, 'restart').onePointSavings;
    const improvedFirst = (cent * (1 + 0.91 + 0.91 * 0.9)) / (0.91 * 0.81);
    expect(restart[0]).toMatchObject({ step: 'a', successProbability: 0.9, improvedSuccessProbability: 0.91, method: 'exact', standardErrorInNanoUsd: null });
    expect(restart[0]?.savingInNanoUsd).toBe(Math.round((cent * 2.71) / 0.729 - improvedFirst));

    const resume = strategy(threeAtNinety, 'resume').onePointSavings;
    expect(resume.map((saving) => saving.savingInNanoUsd)).toEqual([1, 2, 3].map(() => Math.round(cent / 0.9 - cent / 0.91)));
  });

  it('is simulated with paired samples where no closed form applies, within 4 standard errors of the truth', () => {
    const plan: TaskPlan = { name: 'task-cap', steps: [step('only', 0.5, cent)], maxAttemptsPerTask: 3 };
    const [saving] = strategy(plan, 'resume', 100_000).onePointSavings;
    const truth = cent * (1 + 0.5 + 0.25) - cent * (1 + 0.49 + 0.49 ** 2);
    expect(saving?.method).toBe('monte-carlo');
    expect(Math.abs((saving?.savingInNanoUsd ?? 0) - truth)).toBeLessThan(4 * (saving?.standardErrorInNanoUsd ?? 0));
  });

  it('is 0 for a step that already always succeeds', () => {
    const plan: TaskPlan = { name: 'sure', steps: [step('only', 1, cent)] };
    expect(strategy(plan, 'restart').onePointSavings[0]).toMatchObject({ improvedSuccessProbability: 1, savingInNanoUsd: 0 });
  });
});

describe('the simulation', () => {
  it('refuses a plan whose tasks would take too many attempts to simulate, and says what to cap', () => {
    // Twelve steps at 30 %: a run succeeds with 0.3¹² ≈ 5e-7, so restart needs about 2.7 million attempts a task.
    const plan: TaskPlan = { name: 'hopeless', steps: Array.from({ length: 12 }, (_, index) => step(`s${index}`, 0.3, cent)) };
    expect(() => report(plan, 1_000)).toThrow(/Under restart a task of "hopeless" takes \d+ step attempts on average, too many to simulate 1000 tasks: cap the attempts/);
    const capped = { ...plan, steps: plan.steps.map((entry) => ({ ...entry, maxAttempts: 3 })) };
    expect(report(capped, 1_000).strategies[0]?.successProbability).toBeCloseTo(1 - (1 - 0.3 ** 12) ** 3, 12);
  });

  it('gives the same figures for the same seed', () => {
    const plan: TaskPlan = { ...threeAtNinety, maxAttemptsPerTask: 5 };
    const first = planExpectedCost({ plan, random: createSeededRandom(3), samples: 2_000 });
    const second = planExpectedCost({ plan, random: createSeededRandom(3), samples: 2_000 });
    const other = planExpectedCost({ plan, random: createSeededRandom(4), samples: 2_000 });
    expect(second).toEqual(first);
    expect(other.strategies[0]?.simulation.meanInNanoUsd).not.toBe(first.strategies[0]?.simulation.meanInNanoUsd);
  });
});
