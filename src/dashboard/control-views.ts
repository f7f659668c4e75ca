import type { ApprovalRecord } from '../core/approval-record.js';
import type { KillSwitch } from '../core/control-records.js';
import type { LedgerDigest } from './ledger-digest.js';
import type { ApprovalView, ApprovalsView, KillsView, SecurityView } from './panel-state.js';

const eventsShown = 50;
const decidedShown = 10;
const argumentsShownInChars = 500;

/** The Security view: today's counts and the latest tool denials, sandbox violations and loop detections (oldest first). */
export function buildSecurityView(options: { digest: LedgerDigest; nowInMs: number; keyNames: ReadonlyMap<string, string> }): SecurityView {
  const counts = options.digest.day(options.nowInMs).securityCounts;
  return {
    counts: { toolDenials: counts.get('tool-deny') ?? 0, sandboxViolations: counts.get('sandbox-limit-cross') ?? 0, loopDetections: counts.get('loop-detect') ?? 0 },
    events: options.digest.securityEvents.slice(-eventsShown).map((event) => withKeyName(event, options.keyNames)),
  };
}

/** The Approvals view: pending ones oldest first (what and why), then the latest decisions. */
export function buildApprovalsView(approvals: readonly ApprovalRecord[], keyNames: ReadonlyMap<string, string>): ApprovalsView {
  const pending = approvals.filter((approval) => approval.status === 'pending').map((approval) => withKeyName(approvalView(approval), keyNames));
  const decided = approvals
    .filter((approval) => approval.status !== 'pending')
    .sort((left, right) => (right.decidedAtInMs ?? right.expiresAtInMs) - (left.decidedAtInMs ?? left.expiresAtInMs))
    .slice(0, decidedShown)
    .map((approval) => withKeyName(approvalView(approval), keyNames));
  return { pending, decided };
}

/** Adds the key's name, when it has one, beside its id. */
function withKeyName<T extends { keyId?: string }>(item: T, keyNames: ReadonlyMap<string, string>): T & { keyName?: string } {
  const keyName = item.keyId === undefined ? undefined : keyNames.get(item.keyId);
  return keyName === undefined ? item : { ...item, keyName };
}

/** The Kill switch view: switches on now (who, when, why) and the latest changes (oldest first). */
export function buildKillsView(options: { killSwitches: readonly KillSwitch[]; digest: LedgerDigest }): KillsView {
  return {
    active: [...options.killSwitches].sort((left, right) => right.atInMs - left.atInMs).map(({ target, reason, by, atInMs }) => ({ target, reason, by, atInMs })),
    history: options.digest.killEvents.slice(-eventsShown),
  };
}

function approvalView(approval: ApprovalRecord): ApprovalView {
  const argumentsJson = approval.argumentsJson.length > argumentsShownInChars ? `${approval.argumentsJson.slice(0, argumentsShownInChars)}…` : approval.argumentsJson;
  return {
    id: approval.id,
    status: approval.status,
    tool: approval.tool,
    argumentsJson,
    reason: approval.reason,
    createdAtInMs: approval.createdAtInMs,
    expiresAtInMs: approval.expiresAtInMs,
    ...optional(approval, ['rule', 'taskId', 'keyId', 'team', 'decidedBy', 'decidedAtInMs', 'decisionReason']),
  };
}

function optional<K extends keyof ApprovalRecord>(approval: ApprovalRecord, names: readonly K[]): Partial<Pick<ApprovalRecord, K>> {
  const result: Partial<Pick<ApprovalRecord, K>> = {};
  for (const name of names) if (approval[name] !== undefined) result[name] = approval[name];
  return result;
}
