import { createHash, randomBytes } from 'node:crypto';
import type { ApprovalRecord } from '../core/approval-record.js';
import type { Clock } from '../core/clock.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import { WardenError } from '../core/warden-error.js';

/** Tool calls waiting for a person: asked for by the tool policy, decided through the admin API. */
export interface Approvals {
  /**
   * The approval for this tool call of this task (or key): an open one if the same call was
   * asked about before, else a new pending one, filed in the ledger.
   */
  request(call: { tool: string; argumentsJson: string; reason: string; rule?: string; taskId?: string; keyId: string; team?: string; requestId: string }): ApprovalRecord;
  /** Marks an approved call as done, so the approval lets exactly one call through. */
  use(id: string): void;
  decide(id: string, decision: { approve: boolean; by: string; reason?: string }): ApprovalRecord;
  list(): ApprovalRecord[];
  /** Remembers that a person let the task spend past its approveSpendAbove. */
  approveSpend(taskId: string): void;
  spendApproved(taskId: string): boolean;
}

// A finished approval is kept this long for `warden approvals list` and repeated asks.
const keepDecidedInMs = 24 * 60 * 60 * 1000;

/**
 * Approvals held in this process: an agent retries on the replica that asked (sticky sessions), or
 * asks again. Every request and decision is a ledger event (who, when, why).
 */
export function createApprovals(options: { clock: Clock; timeoutInMs: number; record: (event: LedgerEvent) => void }): Approvals {
  const { clock, record } = options;
  const byId = new Map<string, ApprovalRecord>();
  const openByCall = new Map<string, string>();
  const spendApproved = new Set<string>();
  const refresh = (approval: ApprovalRecord, nowInMs: number): ApprovalRecord => {
    if (approval.status === 'pending' && nowInMs >= approval.expiresAtInMs) {
      approval.status = 'expired';
      record({ type: 'approval-decide', timeInMs: nowInMs, ...(approval.taskId === undefined ? {} : { taskId: approval.taskId }), ...(approval.keyId === undefined ? {} : { keyId: approval.keyId }), data: { approvalId: approval.id, status: 'expired', tool: approval.tool } });
    }
    return approval;
  };
  const forgetOld = (nowInMs: number): void => {
    for (const [id, approval] of byId) {
      if (approval.status !== 'pending' && nowInMs - (approval.decidedAtInMs ?? approval.expiresAtInMs) > keepDecidedInMs) byId.delete(id);
    }
  };
  return {
    request(call) {
      const nowInMs = clock.now();
      forgetOld(nowInMs);
      const callKey = createHash('sha256').update(JSON.stringify([call.taskId ?? '', call.keyId, call.tool, call.argumentsJson])).digest('hex');
      const openId = openByCall.get(callKey);
      const open = openId === undefined ? undefined : byId.get(openId);
      if (open !== undefined && open.status !== 'used' && open.status !== 'expired' && refresh(open, nowInMs).status !== 'expired') return { ...open };
      const approval: ApprovalRecord = {
        id: `apr_${randomBytes(8).toString('hex')}`,
        status: 'pending',
        tool: call.tool,
        argumentsJson: call.argumentsJson,
        reason: call.reason,
        ...(call.rule === undefined ? {} : { rule: call.rule }),
        ...(call.taskId === undefined ? {} : { taskId: call.taskId }),
        keyId: call.keyId,
        ...(call.team === undefined ? {} : { team: call.team }),
        createdAtInMs: nowInMs,
        expiresAtInMs: nowInMs + options.timeoutInMs,
      };
      byId.set(approval.id, approval);
      openByCall.set(callKey, approval.id);
      record({
        type: 'approval-request',
        timeInMs: nowInMs,
        requestId: call.requestId,
        ...(call.taskId === undefined ? {} : { taskId: call.taskId }),
        keyId: call.keyId,
        ...(call.team === undefined ? {} : { team: call.team }),
        data: { approvalId: approval.id, tool: call.tool, arguments: call.argumentsJson.slice(0, 500), reason: call.reason, ...(call.rule === undefined ? {} : { rule: call.rule }), expiresAtInMs: approval.expiresAtInMs },
      });
      return { ...approval };
    },
    use(id) {
      const approval = byId.get(id);
      if (approval?.status === 'approved') approval.status = 'used';
    },
    decide(id, decision) {
      const nowInMs = clock.now();
      const approval = byId.get(id);
      if (approval === undefined) throw new WardenError('not_found', `No approval "${id}" on this gateway. List them with \`warden approvals list\`.`);
      if (refresh(approval, nowInMs).status !== 'pending') {
        throw new WardenError('invalid_request', `Approval "${id}" is already ${approval.status}${approval.decidedBy === undefined ? '' : ` (by ${approval.decidedBy})`}; the agent must ask again.`);
      }
      approval.status = decision.approve ? 'approved' : 'denied';
      approval.decidedBy = decision.by;
      approval.decidedAtInMs = nowInMs;
      if (decision.reason !== undefined) approval.decisionReason = decision.reason;
      record({
        type: 'approval-decide',
        timeInMs: nowInMs,
        ...(approval.taskId === undefined ? {} : { taskId: approval.taskId }),
        ...(approval.keyId === undefined ? {} : { keyId: approval.keyId }),
        data: { approvalId: id, status: approval.status, tool: approval.tool, by: decision.by, ...(decision.reason === undefined ? {} : { reason: decision.reason }) },
      });
      return { ...approval };
    },
    approveSpend(taskId) {
      spendApproved.add(taskId);
    },
    spendApproved: (taskId) => spendApproved.has(taskId),
    list() {
      const nowInMs = clock.now();
      return [...byId.values()].map((approval) => ({ ...refresh(approval, nowInMs) })).sort((left, right) => left.createdAtInMs - right.createdAtInMs);
    },
  };
}
