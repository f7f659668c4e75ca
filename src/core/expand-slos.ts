import type { BudgetConfig, TaskTypeConfig } from './budget-config-schema.js';
import type { WardenConfig } from './config-schema.js';

/**
 * Turns each SLO's cap per task and monthly budget into ordinary budgets, so they are enforced,
 * staged and deduplicated across replicas exactly like hand-written ones. A monthly budget is
 * hard when a stage stops at or before 100%, else soft (alerts and downgrades, no refusals).
 * A cap on a task type joins that type's budget, keeping the lower of the two caps.
 */
export function expandSlos(config: WardenConfig): WardenConfig {
  if (config.slos.length === 0) return config;
  const budgets: BudgetConfig[] = [...config.budgets];
  const taskTypes: Record<string, TaskTypeConfig> = { ...config.taskTypes };
  for (const slo of config.slos) {
    if (slo.monthly !== undefined) {
      const stops = slo.stages.some((stage) => stage.actions.includes('stop') && stage.atPercent <= 100);
      budgets.push({ scope: slo.scope ?? `org:${config.org}`, window: 'month', ...(stops ? { hard: slo.monthly } : { soft: slo.monthly }), clamp: true, ladder: slo.stages });
    }
    if (slo.capPerTask === undefined) continue;
    if (slo.taskType === undefined) {
      budgets.push({ scope: 'task:*', window: 'task', hard: slo.capPerTask, clamp: true, ladder: [] });
      continue;
    }
    const taskType = taskTypes[slo.taskType] ?? { downgrades: {} };
    const budget = taskType.budget ?? { clamp: true, ladder: [] };
    const hard = budget.hard === undefined ? slo.capPerTask : Math.min(budget.hard, slo.capPerTask);
    taskTypes[slo.taskType] = { ...taskType, budget: { ...budget, hard } };
  }
  return { ...config, budgets, taskTypes };
}
