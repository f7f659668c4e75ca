import type { Random } from '../core/seeded-random.js';
import { simulateTask } from './simulate-task.js';
import type { RetryStrategy, TaskPlan } from './task-plan.js';

/** What N simulated tasks show, before rounding. */
export interface SimulationSummary {
  samples: number;
  meanInNanoUsd: number;
  /** Standard error of the mean: the sample standard deviation over √N. */
  standardErrorInNanoUsd: number;
  /** Nearest rank: the ⌈0.95·N⌉-th smallest simulated task cost. */
  p95InNanoUsd: number;
  meanMachineCostInNanoUsd: number;
  successRate: number;
  successStandardError: number;
  handOffRate: number;
}

/** One seed per simulated task; every strategy and variant reuses them, so their results pair up. */
export function drawSampleSeeds(random: Random, samples: number): Uint32Array {
  const seeds = new Uint32Array(samples);
  for (let index = 0; index < samples; index += 1) seeds[index] = Math.floor(random() * 4_294_967_296);
  return seeds;
}

/** Each sample's total cost (machine, plus a person's under hand-off). */
export function simulateCosts(options: { plan: TaskPlan; strategy: RetryStrategy; sampleSeeds: Uint32Array }): { costs: Float64Array; machineCosts: Float64Array; successes: number; handOffs: number } {
  const { plan, strategy, sampleSeeds } = options;
  const costs = new Float64Array(sampleSeeds.length);
  const machineCosts = new Float64Array(sampleSeeds.length);
  let successes = 0;
  let handOffs = 0;
  const handOffInNanoUsd = plan.handOff?.costInNanoUsd ?? 0;
  sampleSeeds.forEach((sampleSeed, index) => {
    const sample = simulateTask({ plan, strategy, sampleSeed });
    machineCosts[index] = sample.machineCostInNanoUsd;
    costs[index] = sample.machineCostInNanoUsd + (sample.handedOff ? handOffInNanoUsd : 0);
    if (sample.succeeded) successes += 1;
    if (sample.handedOff) handOffs += 1;
  });
  return { costs, machineCosts, successes, handOffs };
}

/** Simulates a strategy over the given sample seeds and summarises it; `costs` is kept for paired comparisons. */
export function simulateStrategy(options: { plan: TaskPlan; strategy: RetryStrategy; sampleSeeds: Uint32Array }): { summary: SimulationSummary; costs: Float64Array } {
  const { costs, machineCosts, successes, handOffs } = simulateCosts(options);
  const samples = costs.length;
  const { mean, standardError } = meanAndStandardError(costs);
  const successRate = successes / samples;
  return {
    costs,
    summary: {
      samples,
      meanInNanoUsd: mean,
      standardErrorInNanoUsd: standardError,
      p95InNanoUsd: nearestRankPercentile(costs, 0.95),
      meanMachineCostInNanoUsd: meanAndStandardError(machineCosts).mean,
      successRate,
      successStandardError: Math.sqrt((successRate * (1 - successRate)) / samples),
      handOffRate: handOffs / samples,
    },
  };
}

/** Mean and its standard error (Welford's running variance, stable for large amounts). */
export function meanAndStandardError(values: ArrayLike<number>): { mean: number; standardError: number } {
  let mean = 0;
  let squares = 0;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index] as number;
    const delta = value - mean;
    mean += delta / (index + 1);
    squares += delta * (value - mean);
  }
  const count = values.length;
  const variance = count > 1 ? squares / (count - 1) : 0;
  return { mean, standardError: count > 0 ? Math.sqrt(variance / count) : 0 };
}

/** The ⌈q·N⌉-th smallest value (nearest-rank method). */
export function nearestRankPercentile(values: Float64Array, quantile: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(quantile * sorted.length) - 1)] as number;
}
