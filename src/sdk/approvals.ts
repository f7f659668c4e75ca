import { createHash, randomBytes } from 'node:crypto';
import type { ApprovalRecord } from '../core/approval-record.js';
import type { Clock } from '../core/clock.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import type { GuardStore } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';

/** A call that needs a person's approval, and who it is for. */
export interface ApprovalCall {
  tool: string;
  argumentsJson: string;
  reason: string;
  rule?: string;
  taskId?: string;
  parentTaskId?: string;
  keyId?: string;
  team?: string;
  requestId?: string;
}

/**
 * Approvals kept in the store, so every gateway replica, SDK process and the CLI on it sees the
 * same ones. Every request and decision is a ledger event (who, when, why), written by the one
 * process whose compare-and-set made it.
 */
export interface Approvals {
  /**
   * The approval for a call that is asked again until decided (the gateway's agents retry): the
   * call's open one (pending, approved or denied), else a new pending one. An approved one is spent
   * by the request that gets it: it comes back approved to exactly one caller, and is used after.
   */
  request(call: ApprovalCall): Promise<ApprovalRecord>;
  /** Files a new pending approval for a caller that waits for its decision (the SDK's guarded tools). */
  file(call: ApprovalCall): Promise<ApprovalRecord>;
  /** Approves or denies a pending approval; throws not_found, or invalid_request when it was decided already. */
  decide(id: string, decision: { approve: boolean; by: string; reason?: string }): Promise<ApprovalRecord>;
  /** Waits until the approval is no longer pending (decided, or expired at its deadline), reading the store every pollIntervalInMs. */
  waitForDecision(id: string, options?: { signal?: AbortSignal }): Promise<ApprovalRecord>;
  /** Spends an approved approval: true for exactly one caller. */
  use(id: string): Promise<boolean>;
  /** Every approval the store keeps, oldest first; pending ones past their deadline show as expired. */
  list(): Promise<ApprovalRecord[]>;
}

export interface ApprovalsOptions {
  store: GuardStore;
  clock: Clock;
  /** How long a pending approval waits for a person before it expires (toolChecks.approvalTimeoutInSeconds). */
  timeoutInMs: number;
  record: (event: LedgerEvent) => void;
  sleep: (delayInMs: number, signal?: AbortSignal) => Promise<void>;
  pollIntervalInMs?: number;
}

// Several replicas spending the same approval, or filing for the same call, at once: each lost race is someone else's win.
const maxRaces = 8;

/**
 * Approvals over the store.
 * @example const approvals = createApprovals({ store, clock, timeoutInMs: 900_000, record, sleep });
 */
export function createApprovals(options: ApprovalsOptions): Approvals {
  const { store, clock, record } = options;
  const pollIntervalInMs = options.pollIntervalInMs ?? 250;

  const who = (approval: ApprovalRecord): Partial<LedgerEvent> => ({
    ...(approval.taskId === undefined ? {} : { taskId: approval.taskId }),
    ...(approval.keyId === undefined ? {} : { keyId: approval.keyId }),
    ...(approval.team === undefined ? {} : { team: approval.team }),
  });
  /** A pending approval past its deadline is expired: the one process whose update lands files the event. */
  const refresh = async (approval: ApprovalRecord, nowInMs: number): Promise<ApprovalRecord> => {
    if (approval.status !== 'pending' || nowInMs < approval.expiresAtInMs) return approval;
    const expired: ApprovalRecord = { ...approval, status: 'expired' };
    if (await store.updateApproval(approval.id, { fromStatus: 'pending', next: expired })) {
      record({ type: 'approval-decide', timeInMs: nowInMs, ...who(approval), data: { approvalId: approval.id, status: 'expired', tool: approval.tool } });
      return expired;
    }
    return (await store.findApproval(approval.id)) ?? expired;
  };
  const newApproval = (call: ApprovalCall, nowInMs: number, callKey?: string): ApprovalRecord => ({
    id: `apr_${randomBytes(8).toString('hex')}`,
    status: 'pending',
    tool: call.tool,
    argumentsJson: call.argumentsJson,
    reason: call.reason,
    ...(call.rule === undefined ? {} : { rule: call.rule }),
    ...(callKey === undefined ? {} : { callKey }),
    ...(call.taskId === undefined ? {} : { taskId: call.taskId }),
    ...(call.keyId === undefined ? {} : { keyId: call.keyId }),
    ...(call.team === undefined ? {} : { team: call.team }),
    createdAtInMs: nowInMs,
    expiresAtInMs: nowInMs + options.timeoutInMs,
  });
  const recordRequest = (call: ApprovalCall, approval: ApprovalRecord): void => {
    record({
      type: 'approval-request',
      timeInMs: approval.createdAtInMs,
      ...(call.requestId === undefined ? {} : { requestId: call.requestId }),
      ...who(approval),
      ...(call.parentTaskId === undefined ? {} : { parentTaskId: call.parentTaskId }),
      data: { approvalId: approval.id, tool: call.tool, arguments: call.argumentsJson.slice(0, 500), reason: call.reason, ...(call.rule === undefined ? {} : { rule: call.rule }), expiresAtInMs: approval.expiresAtInMs },
    });
  };
  const alreadyDecided = (approval: ApprovalRecord): WardenError =>
    new WardenError('invalid_request', `Approval "${approval.id}" is already ${approval.status}${approval.decidedBy === undefined ? '' : ` (by ${approval.decidedBy})`}; the agent must ask again.`, {
      details: { approvalId: approval.id, status: approval.status },
    });
  const use = (approval: ApprovalRecord): Promise<boolean> => store.updateApproval(approval.id, { fromStatus: 'approved', next: { ...approval, status: 'used' } });

  return {
    async request(call) {
      const callKey = createHash('sha256').update(JSON.stringify([call.taskId ?? '', call.keyId ?? '', call.tool, call.argumentsJson])).digest('hex');
      for (let race = 0; race < maxRaces; race += 1) {
        const nowInMs = clock.now();
        const latest = await store.findLatestApproval(callKey);
        const current = latest === undefined ? undefined : await refresh(latest, nowInMs);
        if (current?.status === 'pending' || current?.status === 'denied') return current;
        if (current?.status === 'approved') {
          if (await use(current)) return current;
          continue;
        }
        const approval = newApproval(call, nowInMs, callKey);
        if (await store.putApproval(approval, latest === undefined ? {} : { previousForCall: latest.id })) {
          recordRequest(call, approval);
          return approval;
        }
      }
      throw new WardenError('store_unavailable', `The approval for tool "${call.tool}" kept changing under other replicas' hands; retry the call.`);
    },
    async file(call) {
      const approval = newApproval(call, clock.now());
      await store.putApproval(approval);
      recordRequest(call, approval);
      return approval;
    },
    async decide(id, decision) {
      const nowInMs = clock.now();
      const found = await store.findApproval(id);
      if (found === undefined) throw new WardenError('not_found', `No approval "${id}". List them with \`warden approvals list\`.`);
      const current = await refresh(found, nowInMs);
      if (current.status !== 'pending') throw alreadyDecided(current);
      const decided: ApprovalRecord = {
        ...current,
        status: decision.approve ? 'approved' : 'denied',
        decidedBy: decision.by,
        decidedAtInMs: nowInMs,
        ...(decision.reason === undefined ? {} : { decisionReason: decision.reason }),
      };
      if (!(await store.updateApproval(id, { fromStatus: 'pending', next: decided }))) throw alreadyDecided((await store.findApproval(id)) ?? current);
      record({
        type: 'approval-decide',
        timeInMs: nowInMs,
        ...who(current),
        data: { approvalId: id, status: decided.status, tool: current.tool, by: decision.by, ...(decision.reason === undefined ? {} : { reason: decision.reason }) },
      });
      return decided;
    },
    async waitForDecision(id, waitOptions = {}) {
      const { signal } = waitOptions;
      for (;;) {
        const found = await store.findApproval(id);
        if (found === undefined) throw new WardenError('not_found', `Approval "${id}" is gone from the store; the call is not approved.`);
        const current = await refresh(found, clock.now());
        if (current.status !== 'pending' || signal?.aborted) return current;
        const delayInMs = Math.max(1, Math.min(pollIntervalInMs, current.expiresAtInMs - clock.now()));
        try {
          await options.sleep(delayInMs, signal);
        } catch (error) {
          if (!signal?.aborted) throw error;
        }
      }
    },
    async use(id) {
      const approval = await store.findApproval(id);
      return approval?.status === 'approved' && (await use(approval));
    },
    async list() {
      const nowInMs = clock.now();
      const approvals = await store.listApprovals();
      return Promise.all(approvals.map((approval) => refresh(approval, nowInMs)));
    },
  };
}
