import { meanAttemptCost, type PlanStep, type RetryStrategy, type TaskPlan } from './task-plan.js';

/** A strategy's figures from a closed form. */
export interface ExactOutcome {
  /** Machine cost plus, under hand-off, the people's cost. */
  expectedCostInNanoUsd: number;
  expectedMachineCostInNanoUsd: number;
  /** Chance the machine finishes the task (under hand-off: without a person). */
  successProbability: number;
  /** Chance the task goes to a person; 0 outside hand-off. */
  handOffProbability: number;
}

/**
 * The expected cost of a task by closed form, or undefined where none applies (then simulate).
 * Attempt costs are independent of outcomes, so only their means c̄ᵢ enter (Wald's identity).
 *
 * restart — any failure reruns the chain from step 1; a run reaches step i with Aᵢ = ∏_{j<i} pⱼ,
 *   so E[run] = Σᵢ c̄ᵢ·Aᵢ and a run succeeds with P = ∏ pᵢ. With at most K runs (step 1's cap):
 *   E = E[run]·(1 − (1 − P)^K) / P, success 1 − (1 − P)^K; no cap: E = E[run] / P.
 * resume — a failed step i is retried alone from the checkpoint after step i−1; each retry also
 *   pays fᵢ·Sᵢ₋₁, Sᵢ₋₁ = Σ_{j<i} c̄ⱼ (the checkpoint's work). With cap Kᵢ: qᵢ = 1 − (1 − pᵢ)^Kᵢ,
 *   attempts aᵢ = qᵢ / pᵢ, reached with Bᵢ = ∏_{j<i} qⱼ: E = Σᵢ Bᵢ·(c̄ᵢ·aᵢ + fᵢ·(aᵢ − 1)·Sᵢ₋₁),
 *   success ∏ qᵢ; no caps and f = 0: E = Σ c̄ᵢ / pᵢ.
 * hand-off — resume with Kᵢ = handOff.attemptsPerStep; a step that runs out goes to a person:
 *   E = E_resume + h·(1 − ∏ qᵢ).
 * A per-task attempt cap has no closed form unless it cannot bind; then this returns undefined.
 */
export function exactExpectedCost(plan: TaskPlan, strategy: RetryStrategy): ExactOutcome | undefined {
  if (strategy === 'restart') return exactRestart(plan);
  const caps = plan.steps.map((step) => (strategy === 'hand-off' ? Math.min(step.maxAttempts ?? Infinity, plan.handOff?.attemptsPerStep ?? 1) : (step.maxAttempts ?? Infinity)));
  if (!taskCapCannotBind(plan.maxAttemptsPerTask, caps.reduce((total, cap) => total + cap, 0))) return undefined;
  const machine = resumeWithCaps(plan.steps, caps);
  if (strategy === 'resume') return { expectedCostInNanoUsd: machine.expected, expectedMachineCostInNanoUsd: machine.expected, successProbability: machine.success, handOffProbability: 0 };
  const handOffProbability = 1 - machine.success;
  return {
    expectedCostInNanoUsd: machine.expected + handOffProbability * (plan.handOff?.costInNanoUsd ?? 0),
    expectedMachineCostInNanoUsd: machine.expected,
    successProbability: machine.success,
    handOffProbability,
  };
}

function exactRestart(plan: TaskPlan): ExactOutcome | undefined {
  const [first] = plan.steps;
  if (first === undefined) return undefined;
  const runCap = first.maxAttempts ?? Infinity;
  // Step 1 runs once per run, so later steps' caps bind only when tighter than step 1's.
  if (plan.steps.some((step) => (step.maxAttempts ?? Infinity) < runCap)) return undefined;
  if (!taskCapCannotBind(plan.maxAttemptsPerTask, runCap * plan.steps.length)) return undefined;
  let reach = 1;
  let expectedRun = 0;
  for (const step of plan.steps) {
    expectedRun += meanAttemptCost(step.attemptCost) * reach;
    reach *= step.successProbability;
  }
  const success = runCap === Infinity ? 1 : 1 - (1 - reach) ** runCap;
  const expected = (expectedRun * success) / reach;
  return { expectedCostInNanoUsd: expected, expectedMachineCostInNanoUsd: expected, successProbability: success, handOffProbability: 0 };
}

function resumeWithCaps(steps: readonly PlanStep[], caps: readonly number[]): { expected: number; success: number } {
  let reach = 1;
  let checkpointWork = 0;
  let expected = 0;
  steps.forEach((step, index) => {
    const cap = caps[index] ?? Infinity;
    const success = cap === Infinity ? 1 : 1 - (1 - step.successProbability) ** cap;
    const attempts = success / step.successProbability;
    const mean = meanAttemptCost(step.attemptCost);
    expected += reach * (mean * attempts + step.resumeCostFraction * (attempts - 1) * checkpointWork);
    reach *= success;
    checkpointWork += mean;
  });
  return { expected, success: reach };
}

function taskCapCannotBind(taskCap: number | undefined, mostAttempts: number): boolean {
  return taskCap === undefined || mostAttempts <= taskCap;
}
