import { exactExpectedCost } from './exact-expected-cost.js';
import { meanAndStandardError, simulateCosts } from './simulate-strategy.js';
import type { RetryStrategy, TaskPlan } from './task-plan.js';

/** How much a strategy's expected cost per task drops when one step fails one point less often. */
export interface StepSaving {
  step: string;
  successProbability: number;
  /** The success rate one point up (0.01), at most 1. */
  improvedSuccessProbability: number;
  savingInNanoUsd: number;
  /** Null when both figures come from closed forms. */
  standardErrorInNanoUsd: number | null;
  method: 'exact' | 'monte-carlo';
}

/** The plan with one step's success probability replaced. */
export function withSuccessProbability(plan: TaskPlan, stepIndex: number, successProbability: number): TaskPlan {
  return { ...plan, steps: plan.steps.map((step, index) => (index === stepIndex ? { ...step, successProbability } : step)) };
}

/**
 * For each step, E[cost](p) − E[cost](p + 0.01) under one strategy: the difference of two closed
 * forms where they exist, otherwise the mean of per-sample differences over the same sample seeds
 * (common random numbers), with that mean's standard error.
 */
export function onePointSavings(options: { plan: TaskPlan; strategy: RetryStrategy; sampleSeeds: Uint32Array; baseCosts: Float64Array }): StepSaving[] {
  const { plan, strategy, sampleSeeds, baseCosts } = options;
  const base = exactExpectedCost(plan, strategy);
  return plan.steps.map((step, index) => {
    const improvedSuccessProbability = Math.min(1, round(step.successProbability + 0.01));
    const variant = withSuccessProbability(plan, index, improvedSuccessProbability);
    const shared = { step: step.name, successProbability: step.successProbability, improvedSuccessProbability };
    const improved = base === undefined ? undefined : exactExpectedCost(variant, strategy);
    if (base !== undefined && improved !== undefined) {
      return { ...shared, savingInNanoUsd: base.expectedCostInNanoUsd - improved.expectedCostInNanoUsd, standardErrorInNanoUsd: null, method: 'exact' as const };
    }
    const { costs } = simulateCosts({ plan: variant, strategy, sampleSeeds });
    const differences = baseCosts.map((cost, sample) => cost - (costs[sample] as number));
    const { mean, standardError } = meanAndStandardError(differences);
    return { ...shared, savingInNanoUsd: mean, standardErrorInNanoUsd: standardError, method: 'monte-carlo' as const };
  });
}

// 0.9 + 0.01 is 0.9100000000000001 in binary; people wrote two or three decimals.
function round(probability: number): number {
  return Math.round(probability * 1e12) / 1e12;
}
