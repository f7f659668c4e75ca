import type { TaskRef } from '../core/call-scopes.js';
import type { Clock } from '../core/clock.js';
import type { WardenConfig } from '../core/config-schema.js';
import { newTaskGuardRecord, taskGuardIdleInMs, type TaskGuardRecord } from '../core/guard-records.js';
import type { GuardStore } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';

/** Per-task limits of task types: maxToolCalls, maxWallClockSeconds, and approveSpendAbove's approval. */
export interface TaskLimits {
  /** True when some task type limits tool calls or wall-clock time; false: check and countToolCalls never touch the store. */
  readonly enabled: boolean;
  /** True when some task type limits tool calls, so answers' tool calls must be read. */
  readonly countsToolCalls: boolean;
  /** Throws call_limit_exceeded when the task, or a task it belongs to, is over a limit. */
  check(tasks: readonly TaskRef[]): Promise<void>;
  /** Counts the tool calls an answer made, on the task and every task it belongs to. */
  countToolCalls(tasks: readonly TaskRef[], toolCalls: number): Promise<void>;
  /** Whether a person let the task spend past its task type's approveSpendAbove. */
  spendApproved(taskId: string): Promise<boolean>;
  approveSpend(taskId: string): Promise<void>;
}

// A task's last-seen time is written at most this often by checks alone, to keep its record from expiring.
const touchEveryInMs = 60_000;

/**
 * Kept in the store's task guard records, so every replica on the store counts a task's calls
 * together. Sub-tasks roll up: a tool call counts on the task and on its parent. A task idle for
 * taskGuardIdleInMs starts afresh.
 */
export function createTaskLimits(options: { config: Readonly<WardenConfig>; store: GuardStore; clock: Clock }): TaskLimits {
  const { config, store, clock } = options;
  const taskTypes = Object.values(config.taskTypes);
  const enabled = taskTypes.some((taskType) => taskType.maxToolCalls !== undefined || taskType.maxWallClockSeconds !== undefined);
  const update = (taskId: string, nowInMs: number, change: (current: TaskGuardRecord) => TaskGuardRecord, unchangedUnless?: (previous: TaskGuardRecord) => boolean) =>
    store.updateTaskGuard({
      taskId,
      nowInMs,
      keepForInMs: taskGuardIdleInMs,
      change: (previous) => (previous !== undefined && unchangedUnless !== undefined && !unchangedUnless(previous) ? previous : change(previous ?? newTaskGuardRecord(taskId, nowInMs))),
    });
  return {
    enabled,
    countsToolCalls: taskTypes.some((taskType) => taskType.maxToolCalls !== undefined),
    async check(refs) {
      if (!enabled) return;
      const nowInMs = clock.now();
      const entries = await Promise.all(
        refs.map((task) =>
          update(
            task.id,
            nowInMs,
            (current) => ({ ...current, lastSeenInMs: nowInMs, ...(task.type === undefined ? {} : { type: task.type }) }),
            (previous) => (task.type !== undefined && previous.type !== task.type) || nowInMs - previous.lastSeenInMs >= touchEveryInMs,
          ),
        ),
      );
      refs.forEach((task, index) => {
        const entry = entries[index];
        const taskType = entry?.type === undefined ? undefined : config.taskTypes[entry.type];
        if (entry === undefined || taskType === undefined) return;
        if (taskType.maxToolCalls !== undefined && entry.toolCalls >= taskType.maxToolCalls) {
          throw limitError(task.id, `made ${entry.toolCalls} tool calls, its limit (taskTypes.${entry.type}.maxToolCalls)`, 'maxToolCalls');
        }
        const elapsedInSeconds = (nowInMs - entry.firstSeenInMs) / 1000;
        if (taskType.maxWallClockSeconds !== undefined && elapsedInSeconds >= taskType.maxWallClockSeconds) {
          throw limitError(task.id, `has run for ${Math.floor(elapsedInSeconds)} s, past its limit of ${taskType.maxWallClockSeconds} s (taskTypes.${entry.type}.maxWallClockSeconds)`, 'maxWallClockSeconds');
        }
      });
    },
    async countToolCalls(refs, toolCalls) {
      if (!enabled || toolCalls === 0) return;
      const nowInMs = clock.now();
      await Promise.all(refs.map((task) => update(task.id, nowInMs, (current) => ({ ...current, lastSeenInMs: nowInMs, toolCalls: current.toolCalls + toolCalls }))));
    },
    async spendApproved(taskId) {
      return (await store.findTaskGuard(taskId, clock.now()))?.spendApproved === true;
    },
    async approveSpend(taskId) {
      const nowInMs = clock.now();
      await update(taskId, nowInMs, (current) => ({ ...current, lastSeenInMs: nowInMs, spendApproved: true }));
    },
  };
}

function limitError(taskId: string, what: string, limit: string): WardenError {
  return new WardenError('call_limit_exceeded', `Task "${taskId}" ${what}. Start a new task, or raise the limit in the config.`, { details: { taskId, limit } });
}
