import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../core/ledger-event.js';
import { isWardenError } from '../core/warden-error.js';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { stepsFromLedger } from './steps-from-ledger.js';

const dayInMs = 86_400_000;
const now = 100 * dayInMs;

function commit(taskId: string, taskType: string, costInNanoUsd: number, timeInMs = now - dayInMs): LedgerEvent {
  return { type: 'reservation-commit', timeInMs, taskId, taskType, costInNanoUsd, status: 'ok' };
}

function finish(taskId: string, outcome: 'success' | 'failure', taskType?: string, timeInMs = now - dayInMs): LedgerEvent {
  return { type: 'task-finish', timeInMs, taskId, ...(taskType === undefined ? {} : { taskType }), data: { outcome } };
}

/** `count` finished tasks of a type, the first `successes` of them successful, task k charged two calls of k and 2k nano-USD. */
function tasks(taskType: string, count: number, successes: number, options: { typedFinish: boolean }): LedgerEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const taskId = `${taskType}-${index + 1}`;
    return [commit(taskId, taskType, index + 1), commit(taskId, taskType, 2 * (index + 1)), finish(taskId, index < successes ? 'success' : 'failure', options.typedFinish ? taskType : undefined)];
  }).flat();
}

describe('stepsFromLedger', () => {
  it('gives each task type the success rate and attempt costs that were seeded', async () => {
    const store = createMemoryStore({ pruneIntervalInMs: 0 });
    await store.append([
      ...tasks('plan', 10, 9, { typedFinish: true }),
      ...tasks('search', 5, 4, { typedFinish: false }),
      // Charged but never finished: left out of both figures.
      commit('search-open', 'search', 1_000),
      // Another task type, and a finish before the window: not read.
      ...tasks('other', 3, 0, { typedFinish: true }),
      commit('plan-old', 'plan', 5_000, now - 40 * dayInMs),
      finish('plan-old', 'failure', 'plan', now - 40 * dayInMs),
      // The last outcome a task reports counts.
      finish('plan-10', 'success', 'plan'),
    ]);
    const { steps, statistics } = await stepsFromLedger({ store, taskTypes: ['plan', 'search'], sinceInMs: now - 30 * dayInMs, untilInMs: now });
    expect(steps.map((step) => [step.name, step.successProbability])).toEqual([
      ['plan', 1],
      ['search', 0.8],
    ]);
    expect(steps[1]?.attemptCost).toEqual({ kind: 'empirical', attemptCostsInNanoUsd: [3, 6, 9, 12, 15] });
    expect(statistics).toEqual([
      { taskType: 'plan', finishedTasks: 10, succeededTasks: 10, tasksWithoutOutcome: 0 },
      { taskType: 'search', finishedTasks: 5, succeededTasks: 4, tasksWithoutOutcome: 1 },
    ]);
    await store.close();
  });

  it('gives a 90 % rate for 9 of 10 and reads past one page of rows', async () => {
    const store = createMemoryStore({ pruneIntervalInMs: 0 });
    const events = tasks('plan', 4_000, 3_600, { typedFinish: true });
    await store.append(events);
    const { steps } = await stepsFromLedger({ store, taskTypes: ['plan'] });
    expect(events.length).toBeGreaterThan(10_000);
    expect(steps[0]?.successProbability).toBe(0.9);
    if (steps[0]?.attemptCost.kind !== 'empirical') throw new Error('expected observed costs');
    expect(steps[0].attemptCost.attemptCostsInNanoUsd).toHaveLength(4_000);
    await store.close();
  });

  it('says what to do when a task type has no finished or no successful tasks', async () => {
    const store = createMemoryStore({ pruneIntervalInMs: 0 });
    await store.append([...tasks('never', 3, 0, { typedFinish: true }), commit('open-1', 'open', 10)]);
    const error = await stepsFromLedger({ store, taskTypes: ['never', 'open', 'typo'] }).catch((caught: unknown) => caught);
    expect(isWardenError(error) && error.code).toBe('invalid_request');
    expect((error as Error).message).toBe(
      [
        'Cannot plan from the ledger:',
        '  task type "never" never succeeded in 3 finished tasks, so no strategy finishes it: widen --since or plan it from a file with an expected success rate',
        '  task type "open" has no finished tasks in the window (1 charged without an outcome): report outcomes with a task-finish event, widen --since, or check the spelling',
        '  task type "typo" has no finished tasks in the window (0 charged without an outcome): report outcomes with a task-finish event, widen --since, or check the spelling',
      ].join('\n'),
    );
    await store.close();
  });
});
