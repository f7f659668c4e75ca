import type { ApprovalRecord } from '../core/approval-record.js';
import type { ApprovalUpdate, TaskGuardRecord, TaskGuardUpdate } from '../core/guard-records.js';
import type { GuardStore } from '../core/store.js';

/** Approvals and task guard records as a store keeps them, synchronously (Maps, SQLite transactions). */
export interface GuardRecords {
  putApproval(approval: ApprovalRecord, options?: { previousForCall?: string }): boolean;
  findApproval(id: string): ApprovalRecord | undefined;
  findLatestApproval(callKey: string): ApprovalRecord | undefined;
  listApprovals(): ApprovalRecord[];
  updateApproval(id: string, update: ApprovalUpdate): boolean;
  findTaskGuard(taskId: string, nowInMs: number): TaskGuardRecord | undefined;
  updateTaskGuard(update: TaskGuardUpdate): TaskGuardRecord | undefined;
}

/** The Store's guard methods over `records`, each refusing once `assertOpen` throws. */
export function guardMethods(records: GuardRecords, assertOpen: () => void): GuardStore {
  return {
    async putApproval(approval, options) {
      assertOpen();
      return records.putApproval(approval, options);
    },
    async findApproval(id) {
      assertOpen();
      return records.findApproval(id);
    },
    async findLatestApproval(callKey) {
      assertOpen();
      return records.findLatestApproval(callKey);
    },
    async listApprovals() {
      assertOpen();
      return records.listApprovals();
    },
    async updateApproval(id, update) {
      assertOpen();
      return records.updateApproval(id, update);
    },
    async findTaskGuard(taskId, nowInMs) {
      assertOpen();
      return records.findTaskGuard(taskId, nowInMs);
    },
    async updateTaskGuard(update) {
      assertOpen();
      return records.updateTaskGuard(update);
    },
  };
}
