import type { LedgerRow } from '../core/ledger-event.js';
import type { Store } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';
import type { PlanStep } from './task-plan.js';

/** What the ledger showed for one task type (one step). */
export interface LedgerStepStatistics {
  taskType: string;
  /** Tasks with a `task-finish` outcome: the attempts the rates and costs come from. */
  finishedTasks: number;
  succeededTasks: number;
  /** Tasks that were charged but never reported an outcome (still running, or not reporting); left out. */
  tasksWithoutOutcome: number;
}

const pageSize = 10_000;

/**
 * Derives one step per task type, in the order given: each finished task of that type is one
 * attempt, its success rate is the share of `task-finish` outcomes that were 'success', and its
 * attempt costs are each finished task's summed `reservation-commit` costs (0 for a task without calls).
 * @example await stepsFromLedger({ store, taskTypes: ['plan', 'search'], sinceInMs: now - 30 * dayInMs })
 */
export async function stepsFromLedger(options: { store: Pick<Store, 'query'>; taskTypes: readonly string[]; sinceInMs?: number; untilInMs?: number }): Promise<{ steps: PlanStep[]; statistics: LedgerStepStatistics[] }> {
  const wanted = new Set(options.taskTypes);
  const tasks = new Map<string, { taskType?: string; costInNanoUsd: number; outcome?: 'success' | 'failure' }>();
  const taskOf = (taskId: string) => {
    let task = tasks.get(taskId);
    if (task === undefined) tasks.set(taskId, (task = { costInNanoUsd: 0 }));
    return task;
  };
  await forEachRow(options, (row) => {
    if (row.taskId === undefined) return;
    // A task-finish row may leave out the task type; the task's calls name it.
    if (row.taskType !== undefined && !wanted.has(row.taskType)) return;
    const task = taskOf(row.taskId);
    if (row.taskType !== undefined) task.taskType = row.taskType;
    if (row.type === 'reservation-commit') task.costInNanoUsd += row.costInNanoUsd ?? 0;
    else {
      const outcome = row.data?.['outcome'];
      if (outcome === 'success' || outcome === 'failure') task.outcome = outcome;
    }
  });

  const statistics = options.taskTypes.map((taskType): LedgerStepStatistics & { attemptCostsInNanoUsd: number[] } => ({ taskType, finishedTasks: 0, succeededTasks: 0, tasksWithoutOutcome: 0, attemptCostsInNanoUsd: [] }));
  const byType = new Map(statistics.map((entry) => [entry.taskType, entry]));
  for (const task of tasks.values()) {
    const entry = task.taskType === undefined ? undefined : byType.get(task.taskType);
    if (entry === undefined) continue;
    if (task.outcome === undefined) {
      entry.tasksWithoutOutcome += 1;
      continue;
    }
    entry.finishedTasks += 1;
    if (task.outcome === 'success') entry.succeededTasks += 1;
    entry.attemptCostsInNanoUsd.push(task.costInNanoUsd);
  }
  const problems = statistics.flatMap((entry) => {
    if (entry.finishedTasks === 0) {
      return [`task type "${entry.taskType}" has no finished tasks in the window (${entry.tasksWithoutOutcome} charged without an outcome): report outcomes with a task-finish event, widen --since, or check the spelling`];
    }
    if (entry.succeededTasks === 0) return [`task type "${entry.taskType}" never succeeded in ${entry.finishedTasks} finished tasks, so no strategy finishes it: widen --since or plan it from a file with an expected success rate`];
    return [];
  });
  if (problems.length > 0) throw new WardenError('invalid_request', `Cannot plan from the ledger:\n${problems.map((line) => `  ${line}`).join('\n')}`, { details: { problems } });

  return {
    steps: statistics.map((entry) => ({
      name: entry.taskType,
      successProbability: entry.succeededTasks / entry.finishedTasks,
      attemptCost: { kind: 'empirical', attemptCostsInNanoUsd: entry.attemptCostsInNanoUsd },
      resumeCostFraction: 0,
    })),
    statistics: statistics.map(({ attemptCostsInNanoUsd: _costs, ...entry }) => entry),
  };
}

async function forEachRow(options: { store: Pick<Store, 'query'>; sinceInMs?: number; untilInMs?: number }, visit: (row: LedgerRow) => void): Promise<void> {
  let afterSequence: number | undefined;
  for (;;) {
    const rows = await options.store.query({
      types: ['reservation-commit', 'task-finish'],
      ...(options.sinceInMs === undefined ? {} : { sinceInMs: options.sinceInMs }),
      ...(options.untilInMs === undefined ? {} : { untilInMs: options.untilInMs }),
      ...(afterSequence === undefined ? {} : { afterSequence }),
      limit: pageSize,
    });
    rows.forEach(visit);
    afterSequence = rows.at(-1)?.sequence ?? afterSequence;
    if (rows.length < pageSize) return;
  }
}
