import type { TaskRef } from '../core/call-scopes.js';
import type { Clock } from '../core/clock.js';
import type { WardenConfig } from '../core/config-schema.js';
import { WardenError } from '../core/warden-error.js';

/** Per-task tool-call and wall-clock limits of task types (maxToolCalls, maxWallClockSeconds). */
export interface TaskLimits {
  /** Throws call_limit_exceeded when the task, or a task it belongs to, is over a limit. */
  check(tasks: readonly TaskRef[]): void;
  /** Counts the tool calls an answer made, on the task and every task it belongs to. */
  countToolCalls(tasks: readonly TaskRef[], toolCalls: number): void;
  /** True when some task type limits tool calls, so answers' tool calls must be read. */
  readonly countsToolCalls: boolean;
}

// Tasks idle this long are forgotten: an agent run that long without a call has ended.
const idleTaskInMs = 6 * 60 * 60 * 1000;

/**
 * Held in this process, like the loop detector's state: each replica counts the calls it serves.
 * Sub-tasks roll up: a tool call counts on the task and on its parent.
 */
export function createTaskLimits(options: { config: Readonly<WardenConfig>; clock: Clock }): TaskLimits {
  const { config, clock } = options;
  const tasks = new Map<string, { firstSeenInMs: number; lastSeenInMs: number; toolCalls: number; type?: string }>();
  const limited = Object.values(config.taskTypes).some((taskType) => taskType.maxToolCalls !== undefined || taskType.maxWallClockSeconds !== undefined);
  const entryFor = (task: TaskRef, nowInMs: number) => {
    let entry = tasks.get(task.id);
    if (entry === undefined || nowInMs - entry.lastSeenInMs > idleTaskInMs) {
      entry = { firstSeenInMs: nowInMs, lastSeenInMs: nowInMs, toolCalls: 0 };
      tasks.set(task.id, entry);
    }
    if (task.type !== undefined) entry.type = task.type;
    entry.lastSeenInMs = nowInMs;
    return entry;
  };
  return {
    countsToolCalls: Object.values(config.taskTypes).some((taskType) => taskType.maxToolCalls !== undefined),
    check(refs) {
      if (!limited) return;
      const nowInMs = clock.now();
      for (const task of refs) {
        const entry = entryFor(task, nowInMs);
        const taskType = entry.type === undefined ? undefined : config.taskTypes[entry.type];
        if (taskType === undefined) continue;
        if (taskType.maxToolCalls !== undefined && entry.toolCalls >= taskType.maxToolCalls) {
          throw limitError(task.id, `made ${entry.toolCalls} tool calls, its limit (taskTypes.${entry.type}.maxToolCalls)`, 'maxToolCalls');
        }
        const elapsedInSeconds = (nowInMs - entry.firstSeenInMs) / 1000;
        if (taskType.maxWallClockSeconds !== undefined && elapsedInSeconds >= taskType.maxWallClockSeconds) {
          throw limitError(task.id, `has run for ${Math.floor(elapsedInSeconds)} s, past its limit of ${taskType.maxWallClockSeconds} s (taskTypes.${entry.type}.maxWallClockSeconds)`, 'maxWallClockSeconds');
        }
      }
    },
    countToolCalls(refs, toolCalls) {
      if (!limited || toolCalls === 0) return;
      const nowInMs = clock.now();
      for (const task of refs) entryFor(task, nowInMs).toolCalls += toolCalls;
    },
  };
}

function limitError(taskId: string, what: string, limit: string): WardenError {
  return new WardenError('call_limit_exceeded', `Task "${taskId}" ${what}. Start a new task, or raise the limit in the config.`, { details: { taskId, limit } });
}
