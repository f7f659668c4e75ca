import type { ApprovalRecord } from '../core/approval-record.js';
import type { KillSwitch } from '../core/control-records.js';
import type { BudgetState } from '../core/store.js';
import type { LedgerDigest } from './ledger-digest.js';
import type { FleetView, TaskRowView, TaskStatus } from './panel-state.js';
import type { TaskDigest } from './task-digest.js';

/** A call in flight, as the fleet view needs it. */
export interface InFlightSummary {
  taskIds: readonly string[];
  keyId?: string;
  team?: string;
  startedAtInMs: number;
}

/** Live facts about tasks that the ledger does not hold. */
export interface FleetInputs {
  digest: LedgerDigest;
  nowInMs: number;
  inFlight: readonly InFlightSummary[];
  killSwitches: readonly KillSwitch[];
  /** Pending approvals. */
  pending: readonly ApprovalRecord[];
  /** Tasks the loop detector holds halted right now (refuse or pause). */
  halted: ReadonlySet<string>;
  /** Each shown task's lifetime budget line (`task:<id>|total|all`), when the store has it. */
  taskLines: ReadonlyMap<string, BudgetState>;
  keyNames: ReadonlyMap<string, string>;
}

export const recentTaskWindowInMs = 10 * 60_000;
const runningWindowInMs = 30_000;
const maxTasksShown = 50;
const nearCapFraction = 0.8;
const stuckFailures = 3;

/** The tasks worth a row: in flight, paused, looping, killed, or active in the last 10 minutes; most recent first, at most 50. */
export function selectFleetTasks(options: Pick<FleetInputs, 'digest' | 'nowInMs' | 'inFlight' | 'pending' | 'killSwitches'>): { ids: string[]; more: number } {
  const { digest, nowInMs } = options;
  const flying = new Set(options.inFlight.flatMap((call) => call.taskIds));
  const waiting = new Set(options.pending.flatMap((approval) => (approval.taskId === undefined ? [] : [approval.taskId])));
  const candidates: TaskDigest[] = [];
  for (const task of digest.tasks.values()) {
    const recent = nowInMs - task.lastAtInMs <= recentTaskWindowInMs;
    if (recent || flying.has(task.id) || waiting.has(task.id) || task.loop !== undefined || killSwitchFor(options.killSwitches, task) !== undefined) candidates.push(task);
  }
  // Flagged tasks first (they need a person), then by last activity.
  const flagged = (task: TaskDigest): number => (waiting.has(task.id) || task.loop !== undefined ? 1 : 0);
  candidates.sort((left, right) => flagged(right) - flagged(left) || right.lastAtInMs - left.lastAtInMs || left.id.localeCompare(right.id));
  return { ids: candidates.slice(0, maxTasksShown).map((task) => task.id), more: Math.max(0, candidates.length - maxTasksShown) };
}

/** The Fleet view: a row per selected task with its status. */
export function buildFleetView(inputs: FleetInputs): FleetView {
  const selected = selectFleetTasks(inputs);
  const inFlightByTask = new Map<string, number>();
  for (const call of inputs.inFlight) for (const taskId of call.taskIds) inFlightByTask.set(taskId, (inFlightByTask.get(taskId) ?? 0) + 1);
  const tasks: TaskRowView[] = [];
  for (const id of selected.ids) {
    const task = inputs.digest.tasks.get(id);
    if (task === undefined) continue;
    const line = inputs.taskLines.get(id);
    const inFlight = inFlightByTask.get(id) ?? 0;
    const { status, detail } = taskStatus({ task, line, inFlight, nowInMs: inputs.nowInMs, killSwitches: inputs.killSwitches, pending: inputs.pending, halted: inputs.halted.has(id) });
    const keyName = task.keyId === undefined ? undefined : inputs.keyNames.get(task.keyId);
    tasks.push({
      id,
      ...pick(task, ['type', 'keyId', 'team', 'user', 'model']),
      ...(keyName === undefined ? {} : { keyName }),
      costInNanoUsd: task.costInNanoUsd,
      ...(line === undefined
        ? {}
        : {
            budget: {
              spentInNanoUsd: line.committedInNanoUsd + line.reservedInNanoUsd,
              calls: line.calls,
              ...(line.limitInNanoUsd === undefined ? {} : { limitInNanoUsd: line.limitInNanoUsd }),
              ...(line.callLimit === undefined ? {} : { callLimit: line.callLimit }),
            },
          }),
      calls: task.calls,
      inFlight,
      startedAtInMs: task.firstAtInMs,
      lastAtInMs: task.lastAtInMs,
      status,
      ...(detail === undefined ? {} : { statusDetail: detail }),
      sparkline: [...task.costPoints],
    });
  }
  // In the order tasks started, so a call moves no row and the update carries only what changed; the page sorts.
  tasks.sort((left, right) => left.startedAtInMs - right.startedAtInMs || left.id.localeCompare(right.id));
  return { inFlight: inputs.inFlight.length, tasks, moreTasks: selected.more };
}

/**
 * A task's status, most urgent first: killed, paused for approval, looping or stuck, near its
 * cap, then running, finished or idle.
 */
export function taskStatus(options: {
  task: TaskDigest;
  line: BudgetState | undefined;
  inFlight: number;
  nowInMs: number;
  killSwitches: readonly KillSwitch[];
  pending: readonly ApprovalRecord[];
  halted: boolean;
}): { status: TaskStatus; detail?: string } {
  const { task, line } = options;
  const killSwitch = killSwitchFor(options.killSwitches, task);
  if (killSwitch !== undefined) return { status: 'killed', detail: `kill switch ${killSwitch.target} by ${killSwitch.by}` };
  const approval = options.pending.find((candidate) => candidate.taskId === task.id);
  if (approval !== undefined) return { status: 'paused', detail: `waiting for approval ${approval.id}: ${approval.tool}` };
  if (task.loop !== undefined) {
    const held = options.halted ? `halted (${task.loop.action})` : `action ${task.loop.action}`;
    return { status: task.loop.kind === 'stuck' ? 'stuck' : 'looping', detail: `${task.loop.detail || task.loop.reason}; ${held}` };
  }
  if (task.failuresInRow >= stuckFailures) return { status: 'stuck', detail: `${task.failuresInRow} failed calls in a row` };
  const spent = line === undefined ? 0 : line.committedInNanoUsd + line.reservedInNanoUsd;
  if (line?.limitInNanoUsd !== undefined && line.limitInNanoUsd > 0 && spent >= nearCapFraction * line.limitInNanoUsd) {
    return { status: 'near-cap', detail: `${Math.floor((100 * spent) / line.limitInNanoUsd)}% of its budget` };
  }
  if (line?.callLimit !== undefined && line.calls >= nearCapFraction * line.callLimit) return { status: 'near-cap', detail: `${line.calls} of ${line.callLimit} calls` };
  if (task.lastRefusalCode === 'budget_exceeded' || task.lastRefusalCode === 'call_limit_exceeded') return { status: 'near-cap', detail: `refused: ${task.lastRefusalCode}` };
  if (options.inFlight > 0 || options.nowInMs - task.lastAtInMs <= runningWindowInMs) return { status: 'running' };
  if (task.finished !== undefined) return { status: 'finished', detail: task.finished.outcome };
  return { status: 'idle' };
}

/** The kill switch that stops a task's calls: on the task, its key, its team, or global. */
export function killSwitchFor(killSwitches: readonly KillSwitch[], task: Pick<TaskDigest, 'id' | 'keyId' | 'team'>): KillSwitch | undefined {
  if (killSwitches.length === 0) return undefined;
  const targets = [`task:${task.id}`, ...(task.keyId === undefined ? [] : [`key:${task.keyId}`]), ...(task.team === undefined ? [] : [`team:${task.team}`]), 'global'];
  for (const target of targets) {
    const found = killSwitches.find((killSwitch) => killSwitch.target === target);
    if (found !== undefined) return found;
  }
  return undefined;
}

function pick<T extends object, K extends keyof T>(source: T, names: readonly K[]): Partial<Pick<T, K>> {
  const result: Partial<Pick<T, K>> = {};
  for (const name of names) if (source[name] !== undefined) result[name] = source[name];
  return result;
}
