import type { ApprovalRecord } from '../core/approval-record.js';
import { approvalKeepUntilInMs, type ApprovalUpdate, type TaskGuardRecord, type TaskGuardUpdate } from '../core/guard-records.js';
import type { GuardRecords } from './guard-methods.js';

/**
 * Approvals and task guard records in plain Maps: the memory store's, and a replica's own while
 * the shared store is away. Records are copied on the way in and out, so no caller can change what
 * is stored; each method runs to the end before any other, so every update is atomic.
 */
export class GuardBook implements GuardRecords {
  private readonly approvals = new Map<string, ApprovalRecord>();
  private readonly latestByCall = new Map<string, string>();
  private readonly tasks = new Map<string, { expiresAtInMs: number; record: TaskGuardRecord }>();

  putApproval(approval: ApprovalRecord, options: { previousForCall?: string } = {}): boolean {
    if (approval.callKey !== undefined) {
      if (this.findLatestApproval(approval.callKey)?.id !== options.previousForCall) return false;
      this.latestByCall.set(approval.callKey, approval.id);
    }
    this.approvals.set(approval.id, structuredClone(approval));
    return true;
  }

  findApproval(id: string): ApprovalRecord | undefined {
    const approval = this.approvals.get(id);
    return approval === undefined ? undefined : structuredClone(approval);
  }

  findLatestApproval(callKey: string): ApprovalRecord | undefined {
    const id = this.latestByCall.get(callKey);
    return id === undefined ? undefined : this.findApproval(id);
  }

  /** Oldest first; the sort is stable, so approvals filed in the same millisecond keep filing order. */
  listApprovals(): ApprovalRecord[] {
    return [...this.approvals.values()].sort((left, right) => left.createdAtInMs - right.createdAtInMs).map((approval) => structuredClone(approval));
  }

  updateApproval(id: string, update: ApprovalUpdate): boolean {
    const current = this.approvals.get(id);
    if (current === undefined || current.status !== update.fromStatus) return false;
    this.approvals.set(id, structuredClone({ ...update.next, id }));
    return true;
  }

  findTaskGuard(taskId: string, nowInMs: number): TaskGuardRecord | undefined {
    const held = this.tasks.get(taskId);
    return held === undefined || held.expiresAtInMs <= nowInMs ? undefined : structuredClone(held.record);
  }

  updateTaskGuard(update: TaskGuardUpdate): TaskGuardRecord | undefined {
    const previous = this.findTaskGuard(update.taskId, update.nowInMs);
    const next = update.change(previous);
    if (next === previous) return previous;
    if (next === undefined) {
      this.tasks.delete(update.taskId);
      return undefined;
    }
    const stored = { ...next, taskId: update.taskId };
    this.tasks.set(update.taskId, { expiresAtInMs: update.nowInMs + update.keepForInMs, record: structuredClone(stored) });
    // The caller's own objects, not the stored copy: no second clone needed.
    return stored;
  }

  /** Drops approvals past their retention and task records past their expiry at `nowInMs`; returns how many. */
  prune(nowInMs: number): number {
    let dropped = 0;
    for (const [id, approval] of this.approvals) {
      if (approvalKeepUntilInMs(approval) > nowInMs) continue;
      this.approvals.delete(id);
      if (approval.callKey !== undefined && this.latestByCall.get(approval.callKey) === id) this.latestByCall.delete(approval.callKey);
      dropped += 1;
    }
    for (const [taskId, held] of this.tasks) {
      if (held.expiresAtInMs > nowInMs) continue;
      this.tasks.delete(taskId);
      dropped += 1;
    }
    return dropped;
  }
}
