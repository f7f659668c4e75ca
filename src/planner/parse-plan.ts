import { formatConfigPath } from '../core/parse-config.js';
import { WardenError } from '../core/warden-error.js';
import { planSchema } from './plan-schema.js';
import type { PlanStep, TaskPlan } from './task-plan.js';

/**
 * Validates a plan from any source (a parsed YAML or JSON file) into a TaskPlan. Errors name each
 * bad path and what to write instead; `source` (a file name) leads the message.
 * @example parsePlan({ steps: [{ name: 'search', successRate: 0.9, costPerAttempt: '0.02' }] })
 */
export function parsePlan(input: unknown, source = 'plan'): TaskPlan {
  const result = planSchema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `${formatConfigPath(issue.path)}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}; remove or correct it (check the spelling)`
        : `${formatConfigPath(issue.path)}: ${issue.message}`,
    );
    throw new WardenError('invalid_config', `Invalid plan in ${source}:\n${issues.map((line) => `  ${line}`).join('\n')}`, { details: { source, issues } });
  }
  const plan = result.data;
  const steps = plan.steps.map((step): PlanStep => {
    const maxAttempts = step.maxAttempts ?? plan.maxAttemptsPerStep;
    return {
      name: step.name,
      successProbability: step.successRate,
      attemptCost: step.attemptCosts === undefined ? { kind: 'fixed', costInNanoUsd: step.costPerAttempt ?? 0 } : { kind: 'empirical', attemptCostsInNanoUsd: step.attemptCosts },
      resumeCostFraction: step.resumeCostFraction ?? plan.resumeCostFraction ?? 0,
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
    };
  });
  return {
    name: plan.name ?? source,
    steps,
    ...(plan.maxAttemptsPerTask === undefined ? {} : { maxAttemptsPerTask: plan.maxAttemptsPerTask }),
    ...(plan.handOff === undefined ? {} : { handOff: { costInNanoUsd: plan.handOff.cost, attemptsPerStep: plan.handOff.attemptsPerStep } }),
  };
}
