import type { NanoUsd } from '../core/money.js';
import { WardenError } from '../core/warden-error.js';
import { exactExpectedCost } from './exact-expected-cost.js';
import { onePointSavings, type StepSaving } from './one-point-savings.js';
import type { Random } from '../core/seeded-random.js';
import { drawSampleSeeds, simulateStrategy, type SimulationSummary } from './simulate-strategy.js';
import { meanAttemptCost, retryStrategies, type RetryStrategy, type TaskPlan } from './task-plan.js';

/** One strategy's figures; money in whole nano-USD. */
export interface StrategyReport {
  strategy: RetryStrategy;
  /** How expectedCost and successProbability were found; p95 always comes from the simulation. */
  method: 'exact' | 'monte-carlo';
  expectedCostInNanoUsd: NanoUsd;
  /** Null when the expected cost is exact. */
  standardErrorInNanoUsd: NanoUsd | null;
  p95CostInNanoUsd: NanoUsd;
  expectedMachineCostInNanoUsd: NanoUsd;
  /** Expected cost over the chance the task gets finished (by a person too, under hand-off): failures' spend included; null if none finished. */
  expectedCostPerFinishedTaskInNanoUsd: NanoUsd | null;
  /** Chance the machine finishes the task (caps and hand-offs make it less than 1). */
  successProbability: number;
  handOffProbability: number;
  simulation: SimulationSummary;
  onePointSavings: StepSaving[];
}

export interface PlanReport {
  plan: string;
  samples: number;
  steps: Array<{ name: string; successProbability: number; meanAttemptCostInNanoUsd: NanoUsd; costKind: 'fixed' | 'empirical'; resumeCostFraction: number; maxAttempts: number | null }>;
  strategies: StrategyReport[];
  /** Assumptions and what was left out, for people reading the output. */
  notes: string[];
}

/**
 * The expected and p95 cost per task under each retry strategy, with each step's one-point saving.
 * `random` seeds the simulation (pass a seeded one for reproducible figures).
 * @example planExpectedCost({ plan, random: createSeededRandom(1), samples: 100_000 })
 */
export function planExpectedCost(options: { plan: TaskPlan; random: Random; samples?: number }): PlanReport {
  const { plan, samples = 100_000 } = options;
  const sampleSeeds = drawSampleSeeds(options.random, samples);
  const strategies = retryStrategies.filter((strategy) => strategy !== 'hand-off' || plan.handOff !== undefined);
  for (const strategy of strategies) assertSimulationFits({ plan, strategy, samples });
  return {
    plan: plan.name,
    samples,
    steps: plan.steps.map((step) => ({
      name: step.name,
      successProbability: step.successProbability,
      meanAttemptCostInNanoUsd: Math.round(meanAttemptCost(step.attemptCost)),
      costKind: step.attemptCost.kind,
      resumeCostFraction: step.resumeCostFraction,
      maxAttempts: step.maxAttempts ?? null,
    })),
    strategies: strategies.map((strategy) => reportStrategy({ plan, strategy, sampleSeeds })),
    notes: [
      'Attempts are independent and an attempt costs the same whether it succeeds or fails, so closed forms use mean attempt costs.',
      `p95 is the nearest-rank 95th percentile of ${samples} simulated tasks; Monte Carlo means carry their standard error.`,
      'resume: a retry of step i also pays resumeCostFraction × the cost of the successful attempts before it (restoring the checkpoint).',
      ...(plan.handOff === undefined ? ['hand-off is left out: give handOff.cost (or --hand-off-cost) to price a person taking over.'] : []),
    ],
  };
}

/** Most step attempts one plan may simulate per strategy: a few seconds of work. */
const mostSimulatedAttempts = 200_000_000;

/**
 * Refuses a simulation that would run for minutes: the closed form with every attempt costing 1
 * is the expected number of attempts per task (restart with a rarely successful chain explodes).
 */
function assertSimulationFits(options: { plan: TaskPlan; strategy: RetryStrategy; samples: number }): void {
  const { plan, strategy, samples } = options;
  const counting: TaskPlan = { ...plan, steps: plan.steps.map((step) => ({ ...step, attemptCost: { kind: 'fixed', costInNanoUsd: 1 }, resumeCostFraction: 0 })) };
  const attemptsPerTask = exactExpectedCost(counting, strategy)?.expectedMachineCostInNanoUsd;
  if (attemptsPerTask === undefined || attemptsPerTask * samples <= mostSimulatedAttempts) return;
  throw new WardenError(
    'invalid_request',
    `Under ${strategy} a task of "${plan.name}" takes ${Math.round(attemptsPerTask)} step attempts on average, too many to simulate ${samples} tasks: cap the attempts (maxAttemptsPerStep or maxAttemptsPerTask), or lower --samples.`,
    { details: { strategy, attemptsPerTask, samples } },
  );
}

function reportStrategy(options: { plan: TaskPlan; strategy: RetryStrategy; sampleSeeds: Uint32Array }): StrategyReport {
  const { plan, strategy, sampleSeeds } = options;
  const { summary, costs } = simulateStrategy({ plan, strategy, sampleSeeds });
  const exact = exactExpectedCost(plan, strategy);
  const expected = exact?.expectedCostInNanoUsd ?? summary.meanInNanoUsd;
  const successProbability = exact?.successProbability ?? summary.successRate;
  // Under hand-off every task gets finished, by the machine or a person.
  const finishProbability = strategy === 'hand-off' ? 1 : successProbability;
  return {
    strategy,
    method: exact === undefined ? 'monte-carlo' : 'exact',
    expectedCostInNanoUsd: Math.round(expected),
    standardErrorInNanoUsd: exact === undefined ? Math.round(summary.standardErrorInNanoUsd) : null,
    p95CostInNanoUsd: Math.round(summary.p95InNanoUsd),
    expectedMachineCostInNanoUsd: Math.round(exact?.expectedMachineCostInNanoUsd ?? summary.meanMachineCostInNanoUsd),
    expectedCostPerFinishedTaskInNanoUsd: finishProbability > 0 ? Math.round(expected / finishProbability) : null,
    successProbability,
    handOffProbability: exact?.handOffProbability ?? summary.handOffRate,
    simulation: summary,
    onePointSavings: onePointSavings({ plan, strategy, sampleSeeds, baseCosts: costs }).map((saving) => ({
      ...saving,
      savingInNanoUsd: Math.round(saving.savingInNanoUsd),
      standardErrorInNanoUsd: saving.standardErrorInNanoUsd === null ? null : Math.round(saving.standardErrorInNanoUsd),
    })),
  };
}
