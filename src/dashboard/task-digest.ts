import type { LedgerRow } from '../core/ledger-event.js';
import type { NanoUsd } from '../core/money.js';

/** A loop or stuck verdict the ledger recorded for a task and no one has resumed since. */
export interface TaskLoopMark {
  kind: 'loop' | 'stuck';
  reason: string;
  detail: string;
  action: string;
  atInMs: number;
}

/** One task as the ledger tells it: its own calls (not its sub-tasks'), cost and last activity. */
export interface TaskDigest {
  id: string;
  type?: string;
  parentId?: string;
  keyId?: string;
  team?: string;
  user?: string;
  model?: string;
  costInNanoUsd: NanoUsd;
  /** LLM calls answered, served from cache or failed upstream. */
  calls: number;
  refusals: number;
  lastRefusalCode?: string;
  /** Failed calls in a row (upstream errors, disconnects), reset by an answered one. */
  failuresInRow: number;
  firstAtInMs: number;
  lastAtInMs: number;
  /** Cost after each of the latest charged calls, for the sparkline. */
  costPoints: NanoUsd[];
  loop?: TaskLoopMark;
  finished?: { outcome: string; atInMs: number };
}

const sparklinePoints = 24;

export function createTaskDigest(row: LedgerRow): TaskDigest {
  return { id: row.taskId as string, costInNanoUsd: 0, calls: 0, refusals: 0, failuresInRow: 0, firstAtInMs: row.timeInMs, lastAtInMs: row.timeInMs, costPoints: [] };
}

/** Adds one of the task's ledger rows to its digest. */
export function ingestTaskRow(task: TaskDigest, row: LedgerRow): void {
  task.lastAtInMs = Math.max(task.lastAtInMs, row.timeInMs);
  if (row.taskType !== undefined) task.type = row.taskType;
  if (row.parentTaskId !== undefined) task.parentId = row.parentTaskId;
  if (row.keyId !== undefined) task.keyId = row.keyId;
  if (row.team !== undefined) task.team = row.team;
  if (row.user !== undefined) task.user = row.user;
  const data = row.data ?? {};
  switch (row.type) {
    case 'reservation-commit':
    case 'reservation-release':
    case 'cache-serve':
      task.calls += 1;
      if (row.model !== undefined) task.model = row.model;
      task.failuresInRow = row.status === 'upstream_error' || row.status === 'client_disconnected' ? task.failuresInRow + 1 : 0;
      if (row.type === 'reservation-commit') {
        task.costInNanoUsd += row.costInNanoUsd ?? 0;
        task.costPoints.push(task.costInNanoUsd);
        if (task.costPoints.length > sparklinePoints) task.costPoints.shift();
      }
      return;
    case 'call-refuse':
      task.refusals += 1;
      if (row.errorCode !== undefined) task.lastRefusalCode = row.errorCode;
      return;
    case 'loop-detect':
      if (data.resumed === true) {
        delete task.loop;
        return;
      }
      task.loop = {
        kind: data.kind === 'stuck' ? 'stuck' : 'loop',
        reason: typeof data.reason === 'string' ? data.reason : '',
        detail: typeof data.detail === 'string' ? data.detail : '',
        action: typeof data.action === 'string' ? data.action : '',
        atInMs: row.timeInMs,
      };
      return;
    case 'task-finish':
      task.finished = { outcome: typeof data.outcome === 'string' ? data.outcome : 'unknown', atInMs: row.timeInMs };
      return;
    default:
      return;
  }
}
