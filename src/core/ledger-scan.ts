import type { CallStatus, LedgerEventType } from './ledger-event.js';

/** Which ledger rows a scan reads: those of `types` with sinceInMs ≤ timeInMs < untilInMs. */
export interface LedgerScanQuery {
  types: readonly LedgerEventType[];
  sinceInMs?: number;
  untilInMs?: number;
  /** The tag whose value each row carries in `tag` (grouping by a tag); unset: `tag` is null. */
  tagName?: string;
  /** The most rows one batch holds; stores may yield smaller batches. 10,000 by default. */
  batchSize?: number;
}

/**
 * The fields of one ledger row that reports read, without the rest of the event. Absent fields
 * are null (one shape for every row, which keeps a million of them cheap).
 */
export interface LedgerScanRow {
  sequence: number;
  type: LedgerEventType;
  timeInMs: number;
  requestId: string | null;
  taskId: string | null;
  taskType: string | null;
  keyId: string | null;
  team: string | null;
  user: string | null;
  model: string | null;
  requestedModel: string | null;
  costInNanoUsd: number | null;
  status: CallStatus | null;
  errorCode: string | null;
  retries: number | null;
  /** The routing tier the call was sent under (`data.tier`). */
  tier: string | null;
  /** What a cache hit saved (`data.savedInNanoUsd` of cache-serve rows). */
  savedInNanoUsd: number | null;
  /** How a task ended (`data.outcome` of task-finish rows). */
  outcome: string | null;
  /** The value of the query's tagName on this row. */
  tag: string | null;
}

export const defaultLedgerScanBatchSize = 10_000;

/** What a report's summary reads: the report rows with sinceInMs ≤ timeInMs < untilInMs. */
export interface LedgerSummaryQuery {
  sinceInMs?: number;
  untilInMs?: number;
  /** The tag whose value each summary and row carries in `tag`. */
  tagName?: string;
  /** Count the rows first and put the count in the first batch's expectedRows (for a progress bar). */
  countRows?: boolean;
}

/** The attribution a summary's calls share, but the user. Summaries of one attribution share one such object. */
export type LedgerSummaryAttribution = Pick<LedgerScanRow, 'taskType' | 'keyId' | 'team' | 'model' | 'requestedModel' | 'tier' | 'tag'>;

/**
 * Plain calls summed by the store: calls that are one ledger row on their own (an answered first
 * attempt: a reservation-commit with status ok or a cache-serve, no retry, no fallback), of one
 * task, attribution, user and UTC day. Every other call row comes as a row, so reports apply
 * per-call logic to it.
 */
export interface LedgerCallSummary {
  taskId: string | null;
  user: string | null;
  attribution: LedgerSummaryAttribution;
  /** Days since the Unix epoch, UTC (timeInMs / 86,400,000, rounded down). */
  day: number;
  /** Ledger rows summed here: one per call. */
  calls: number;
  /** Of the calls, those served from the cache (cost 0). */
  cacheHits: number;
  spendInNanoUsd: number;
  cacheSavingsInNanoUsd: number;
}

/** A task's task-finish rows in range, reduced to the latest valid outcome (by time, then sequence). */
export interface LedgerTaskOutcome {
  /** Null for task-finish rows without a task (they count as rows, and name no outcome). */
  taskId: string | null;
  /** The task-finish rows it stands for. */
  rows: number;
  /** The latest 'success' or 'failure' among them; null when none of them names one. */
  outcome: { outcome: 'success' | 'failure'; timeInMs: number; sequence: number } | null;
}

/** One batch of a summarized scan: every report row in range is in exactly one summary, outcome or row. */
export interface LedgerSummaryBatch {
  summaries: LedgerCallSummary[];
  outcomes: LedgerTaskOutcome[];
  rows: LedgerScanRow[];
  /** On the first batch, when the query asked for countRows: how many rows the whole scan covers. */
  expectedRows?: number;
}
