import { createSeededRandom, mixSeed, type Random } from '../core/seeded-random.js';
import type { PlanStep, RetryStrategy, TaskPlan } from './task-plan.js';

/** One simulated task. */
export interface TaskSample {
  machineCostInNanoUsd: number;
  succeeded: boolean;
  handedOff: boolean;
}

interface Attempt {
  costInNanoUsd: number;
  succeeded: boolean;
}

/**
 * Runs one task under a strategy. Each step draws its attempts from its own stream seeded by
 * (sampleSeed, step), so two plans that differ in one step's success rate see the same luck on
 * every other step: their per-sample difference is a low-variance estimate of the change.
 */
export function simulateTask(options: { plan: TaskPlan; strategy: RetryStrategy; sampleSeed: number }): TaskSample {
  const { plan, strategy, sampleSeed } = options;
  const streams: Array<Random | undefined> = [];
  const attempt = (index: number): Attempt => {
    const step = plan.steps[index] as PlanStep;
    const stream = (streams[index] ??= createSeededRandom(mixSeed(sampleSeed, index)));
    const succeeded = stream() < step.successProbability;
    const cost = step.attemptCost;
    const costInNanoUsd = cost.kind === 'fixed' ? cost.costInNanoUsd : (cost.attemptCostsInNanoUsd[Math.floor(stream() * cost.attemptCostsInNanoUsd.length)] as number);
    return { costInNanoUsd, succeeded };
  };
  const taskCap = plan.maxAttemptsPerTask ?? Infinity;
  return strategy === 'restart' ? simulateRestart({ plan, taskCap, attempt }) : simulateResume({ plan, strategy, taskCap, attempt });
}

function simulateRestart(options: { plan: TaskPlan; taskCap: number; attempt: (index: number) => Attempt }): TaskSample {
  const { plan, taskCap, attempt } = options;
  const attemptsOfStep = plan.steps.map(() => 0);
  let taskAttempts = 0;
  let machineCostInNanoUsd = 0;
  for (;;) {
    let runSucceeded = true;
    for (let index = 0; index < plan.steps.length; index += 1) {
      const stepAttempts = attemptsOfStep[index] as number;
      if (stepAttempts >= (plan.steps[index]?.maxAttempts ?? Infinity) || taskAttempts >= taskCap) return { machineCostInNanoUsd, succeeded: false, handedOff: false };
      attemptsOfStep[index] = stepAttempts + 1;
      taskAttempts += 1;
      const result = attempt(index);
      machineCostInNanoUsd += result.costInNanoUsd;
      if (!result.succeeded) {
        runSucceeded = false;
        break;
      }
    }
    if (runSucceeded) return { machineCostInNanoUsd, succeeded: true, handedOff: false };
  }
}

function simulateResume(options: { plan: TaskPlan; strategy: RetryStrategy; taskCap: number; attempt: (index: number) => Attempt }): TaskSample {
  const { plan, strategy, taskCap, attempt } = options;
  const handOff = strategy === 'hand-off';
  let taskAttempts = 0;
  let machineCostInNanoUsd = 0;
  let checkpointWorkInNanoUsd = 0;
  for (let index = 0; index < plan.steps.length; index += 1) {
    const step = plan.steps[index] as PlanStep;
    const stepCap = handOff ? Math.min(step.maxAttempts ?? Infinity, plan.handOff?.attemptsPerStep ?? 1) : (step.maxAttempts ?? Infinity);
    for (let stepAttempts = 0; ; ) {
      if (stepAttempts >= stepCap || taskAttempts >= taskCap) return { machineCostInNanoUsd, succeeded: false, handedOff: handOff };
      const result = attempt(index);
      const resumeInNanoUsd = stepAttempts > 0 ? step.resumeCostFraction * checkpointWorkInNanoUsd : 0;
      stepAttempts += 1;
      taskAttempts += 1;
      machineCostInNanoUsd += result.costInNanoUsd + resumeInNanoUsd;
      if (result.succeeded) {
        checkpointWorkInNanoUsd += result.costInNanoUsd;
        break;
      }
    }
  }
  return { machineCostInNanoUsd, succeeded: true, handedOff: false };
}
