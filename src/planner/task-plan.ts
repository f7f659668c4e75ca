import type { NanoUsd } from '../core/money.js';

/** What one attempt of a step costs: always the same, or drawn uniformly from observed attempt costs. */
export type AttemptCost = { kind: 'fixed'; costInNanoUsd: NanoUsd } | { kind: 'empirical'; attemptCostsInNanoUsd: readonly NanoUsd[] };

/** One step of a task: a single agent's call loop, or one sub-agent in a chain. */
export interface PlanStep {
  name: string;
  /** Chance that one attempt succeeds, in (0, 1]; attempts are independent. */
  successProbability: number;
  attemptCost: AttemptCost;
  /** A retry from the checkpoint before this step pays this fraction of the checkpoint's work again (see docs). */
  resumeCostFraction: number;
  /** The most attempts of this step in one task, counting every restart; undefined: no cap. */
  maxAttempts?: number;
}

/** A task as the planner sees it: steps run in order, each needing the ones before it. */
export interface TaskPlan {
  name: string;
  steps: readonly PlanStep[];
  /** The most step attempts in one task, all steps together; undefined: no cap. */
  maxAttemptsPerTask?: number;
  /** Present when a person can take over a failed task. */
  handOff?: HandOffPolicy;
}

export interface HandOffPolicy {
  /** What a person's take-over costs, per hand-off. */
  costInNanoUsd: NanoUsd;
  /** Attempts of a step (retried in place from its checkpoint) before the task is handed off; 1 hands off at the first failure. */
  attemptsPerStep: number;
}

/** How a task recovers from a failed step. */
export type RetryStrategy = 'restart' | 'resume' | 'hand-off';

export const retryStrategies = ['restart', 'resume', 'hand-off'] as const satisfies readonly RetryStrategy[];

/** The mean cost of one attempt of a step. */
export function meanAttemptCost(cost: AttemptCost): number {
  if (cost.kind === 'fixed') return cost.costInNanoUsd;
  let total = 0;
  for (const value of cost.attemptCostsInNanoUsd) total += value;
  return total / cost.attemptCostsInNanoUsd.length;
}
