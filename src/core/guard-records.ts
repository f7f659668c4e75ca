import type { ApprovalRecord, ApprovalStatus } from './approval-record.js';
import type { LoopState } from './loop-state.js';

/** What the agent guardrails keep about one task, shared by every process on the same store. */
export interface TaskGuardRecord {
  taskId: string;
  /** The task type its calls named (the latest one named). */
  type?: string;
  firstSeenInMs: number;
  lastSeenInMs: number;
  /** Tool calls its answers made, its sub-tasks' included (task types' maxToolCalls). */
  toolCalls: number;
  /** The loop detector's state; absent until a call of the task was observed. */
  loop?: LoopState;
  /** A person let the task spend past its task type's approveSpendAbove. */
  spendApproved?: boolean;
}

/** One read-modify-write of a task's guard record, which the store applies atomically. */
export interface TaskGuardUpdate {
  taskId: string;
  /** The caller's time: a record whose expiry is at or before it counts as absent. */
  nowInMs: number;
  /** How long the record is kept after this write; without another write it is forgotten then. */
  keepForInMs: number;
  /**
   * The record to store given the current one (undefined when there is none). Pure and synchronous:
   * a store may call it again with a newer record when another writer got there first. Return
   * `previous` itself to leave the record as it is (no write), undefined to delete it.
   */
  change(previous: TaskGuardRecord | undefined): TaskGuardRecord | undefined;
}

/** A compare-and-set of an approval: it becomes `next` only while its status is still `fromStatus`. */
export interface ApprovalUpdate {
  fromStatus: ApprovalStatus;
  next: ApprovalRecord;
}

/** How long a store keeps an approval after it expired or was decided, for listing and repeated asks. */
export const approvalRetentionInMs = 24 * 60 * 60 * 1000;

/** How long a task's guard record outlives its last call: an agent run idle that long has ended. */
export const taskGuardIdleInMs = 6 * 60 * 60 * 1000;

/** When a store may forget an approval. */
export function approvalKeepUntilInMs(approval: Pick<ApprovalRecord, 'expiresAtInMs' | 'decidedAtInMs'>): number {
  return Math.max(approval.expiresAtInMs, approval.decidedAtInMs ?? 0) + approvalRetentionInMs;
}

/** The guard record of a task seen for the first time. */
export function newTaskGuardRecord(taskId: string, nowInMs: number): TaskGuardRecord {
  return { taskId, firstSeenInMs: nowInMs, lastSeenInMs: nowInMs, toolCalls: 0 };
}
