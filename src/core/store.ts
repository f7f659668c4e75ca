import type { NanoUsd } from './money.js';
import type { ScopeKey } from './scope.js';
import type { LedgerEvent, LedgerQuery, LedgerRow } from './ledger-event.js';
import type { LedgerScanQuery, LedgerScanRow, LedgerSummaryBatch, LedgerSummaryQuery } from './ledger-scan.js';
import type { CachedResponse, KillSwitch, KillTarget, VirtualKeyRecord } from './control-records.js';
import type { ApprovalRecord } from './approval-record.js';
import type { ApprovalUpdate, TaskGuardRecord, TaskGuardUpdate } from './guard-records.js';

/** Calendar or lifetime window a budget counts over. */
export type WindowKind = 'request' | 'task' | 'hour' | 'day' | 'week' | 'month' | 'total';

/**
 * One budget counter: a scope in one window instance. The key names the window instance
 * (`team:research|day|2026-11-22`), so a new window is simply a new counter: no reset job.
 */
export interface BudgetLine {
  key: string;
  scope: ScopeKey;
  window: WindowKind;
  windowStartInMs: number;
  /** When the counter stops mattering; stores may drop it after this. */
  windowEndInMs: number;
  limitInNanoUsd?: NanoUsd;
  callLimit?: number;
  /** What a reserve on this line does while a shared budget store is down; unset: the deployment's default. */
  onStoreDown?: StoreDownPolicy;
}

/** fail-closed refuses with store_unavailable; local-allowance spends up to the limit divided by the replicas sharing the store. */
export type StoreDownPolicy = 'fail-closed' | 'local-allowance';

export interface ReserveRequest {
  reservationId: string;
  lines: BudgetLine[];
  amountInNanoUsd: NanoUsd;
  /** Each reserve counts as one call on every line that has a call limit. */
  calls?: number;
  leaseExpiresAtInMs: number;
}

export interface Reservation {
  ok: true;
  reservationId: string;
  amountInNanoUsd: NanoUsd;
  leaseExpiresAtInMs: number;
}

export interface Refusal {
  ok: false;
  reason: 'money' | 'calls';
  line: BudgetLine;
  committedInNanoUsd: NanoUsd;
  reservedInNanoUsd: NanoUsd;
  calls: number;
  requestedInNanoUsd: NanoUsd;
}

export interface CommitRequest {
  reservationId: string;
  actualInNanoUsd: NanoUsd;
}

export interface CommitResult {
  /** False when the reservation was already settled (commit is idempotent). */
  applied: boolean;
  /** True when the lease had expired and been reclaimed before the commit arrived. */
  leaseExpired: boolean;
  /** The reservation's lines right after this commit (empty when not applied), so callers need no second round trip to read them. */
  lines: LineTotals[];
  /** True when the store was unreachable and the commit waits to be retried (its lines are unknown). */
  deferred?: boolean;
}

/** What a budget line holds at one moment. */
export interface LineTotals {
  key: string;
  committedInNanoUsd: NanoUsd;
  reservedInNanoUsd: NanoUsd;
}

export interface BudgetState {
  key: string;
  scope: ScopeKey;
  window: WindowKind;
  windowStartInMs: number;
  windowEndInMs: number;
  limitInNanoUsd?: NanoUsd;
  callLimit?: number;
  committedInNanoUsd: NanoUsd;
  reservedInNanoUsd: NanoUsd;
  calls: number;
}

/**
 * Where budget state and the ledger live. reserve is atomic over all lines: either every line
 * admits the amount (committed + reserved + amount ≤ limit) or nothing changes.
 */
export interface Store {
  reserve(request: ReserveRequest): Promise<Reservation | Refusal>;
  commit(request: CommitRequest): Promise<CommitResult>;
  release(reservationId: string): Promise<boolean>;
  snapshot(lines: ReadonlyArray<BudgetLine | string>): Promise<BudgetState[]>;
  /** Claims a one-time mark (an alert stage in a window). True only for the first claimer. */
  claimMark(markKey: string, expiresAtInMs: number): Promise<boolean>;
  append(events: LedgerEvent[]): Promise<void>;
  query(query: LedgerQuery): Promise<LedgerRow[]>;
  /**
   * Reads the report fields of every row the scan selects, in batches, in time order (rows of the
   * same millisecond in any order), without decoding whole events: what reports over a million rows need.
   */
  scanLedger(query: LedgerScanQuery): AsyncIterable<LedgerScanRow[]>;
  /**
   * Optional: the report rows in range with plain calls already summed in the store's own engine
   * (see LedgerCallSummary). Stores without it are read with scanLedger; the figures are the same.
   */
  summarizeLedger?(query: LedgerSummaryQuery): AsyncIterable<LedgerSummaryBatch>;
  /** Inserts a key, or replaces the key with the same id (revocation, new limits). */
  putKey(key: VirtualKeyRecord): Promise<void>;
  /** The key whose HMAC is `hash`, revoked or not; undefined when there is none. */
  findKeyByHash(hash: string): Promise<VirtualKeyRecord | undefined>;
  findKeyById(id: string): Promise<VirtualKeyRecord | undefined>;
  /** Every key, oldest first, revoked ones included. */
  listKeys(): Promise<VirtualKeyRecord[]>;
  /** Turns a kill switch on (replacing one on the same target). */
  setKillSwitch(killSwitch: KillSwitch): Promise<void>;
  /** Turns it off; false when it was not on. */
  clearKillSwitch(target: KillTarget): Promise<boolean>;
  listKillSwitches(): Promise<KillSwitch[]>;
  /** A cached answer that has not expired at `nowInMs`. */
  getCachedResponse(key: string, nowInMs: number): Promise<CachedResponse | undefined>;
  /** Stores (or replaces) an answer; expired entries may be dropped at any time. */
  putCachedResponse(entry: CachedResponse): Promise<void>;
  /**
   * Files a new approval, kept until approvalKeepUntilInMs. One with a callKey becomes that call's
   * latest approval, but only while the call's latest is still `previousForCall` (absent: none):
   * false, and nothing filed, when another writer filed one for the call first.
   */
  putApproval(approval: ApprovalRecord, options?: { previousForCall?: string }): Promise<boolean>;
  findApproval(id: string): Promise<ApprovalRecord | undefined>;
  /** The approval filed last for a call key, whatever its status. */
  findLatestApproval(callKey: string): Promise<ApprovalRecord | undefined>;
  /** Every approval kept, oldest first. */
  listApprovals(): Promise<ApprovalRecord[]>;
  /** Replaces an approval only while its status is `fromStatus`: of concurrent callers, exactly one gets true. */
  updateApproval(id: string, update: ApprovalUpdate): Promise<boolean>;
  findTaskGuard(taskId: string, nowInMs: number): Promise<TaskGuardRecord | undefined>;
  /** Applies `update.change` atomically (no other write lands between its read and its write); returns the record stored after it. */
  updateTaskGuard(update: TaskGuardUpdate): Promise<TaskGuardRecord | undefined>;
  /** Writes everything buffered. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Whether each part answers; stores on a local file leave it out (they are up while the process is). */
  health?(): StoreHealth;
}

/** Whether one part of a store answers, for /readyz and metrics. */
export interface StorePartHealth {
  backend: 'memory' | 'sqlite' | 'redis' | 'postgres';
  up: boolean;
  /** Why it is down, without credentials. */
  error?: string;
  /** Work waiting for the backend: commits and releases for budgets, spooled events for the ledger. */
  waiting: number;
}

export interface StoreHealth {
  budgets: StorePartHealth & { policy: StoreDownPolicy };
  records: StorePartHealth;
}

/** The agent guardrails' state: approvals and per-task guard records (tool calls, wall clock, loop detector). */
export type GuardStore = Pick<Store, 'putApproval' | 'findApproval' | 'findLatestApproval' | 'listApprovals' | 'updateApproval' | 'findTaskGuard' | 'updateTaskGuard'>;

/**
 * The part of a Store that replicas must share live (Redis in the multi-replica mode): budget
 * counters, reservations and their leases, one-time marks, kill switches, cached answers and the
 * guardrails' state.
 */
export type BudgetStore = Pick<
  Store,
  'reserve' | 'commit' | 'release' | 'snapshot' | 'claimMark' | 'setKillSwitch' | 'clearKillSwitch' | 'listKillSwitches' | 'getCachedResponse' | 'putCachedResponse' | 'flush' | 'close' | keyof GuardStore
>;

/** The durable part of a Store (PostgreSQL in the multi-replica mode): the ledger and the virtual keys. */
export type RecordStore = Pick<Store, 'append' | 'query' | 'scanLedger' | 'summarizeLedger' | 'putKey' | 'findKeyByHash' | 'findKeyById' | 'listKeys' | 'flush' | 'close'>;
