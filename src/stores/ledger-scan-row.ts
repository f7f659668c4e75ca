import type { CallStatus, LedgerEvent, LedgerRow } from '../core/ledger-event.js';
import type { LedgerScanRow } from '../core/ledger-scan.js';

/** Who and what a row is charged to, as reports group it; fields of the wrong type count as absent. */
export interface ReportAttribution {
  taskType: string | null;
  team: string | null;
  keyId: string | null;
  user: string | null;
  tier: string | null;
  model: string | null;
  requestedModel: string | null;
  /** The row's tags as JSON text, null without tags. */
  tagsJson: string | null;
}

/** A row's report fields beside its attribution, type-checked the same way in every store. */
export interface ReportFields {
  errorCode: string | null;
  retries: number | null;
  fallbacks: number | null;
  savedInNanoUsd: number | null;
  outcome: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The event's attribution as reports read it (every store the same way). */
export function reportAttribution(event: LedgerEvent): ReportAttribution {
  const tags = event.tags;
  return {
    taskType: text(event.taskType),
    team: text(event.team),
    keyId: text(event.keyId),
    user: text(event.user),
    tier: text(event.data?.tier),
    model: text(event.model),
    requestedModel: text(event.requestedModel),
    tagsJson: typeof tags === 'object' && tags !== null && !Array.isArray(tags) ? JSON.stringify(tags) : null,
  };
}

/** The event's report fields that live in `data` or need a type check. */
export function reportFields(event: LedgerEvent): ReportFields {
  return {
    errorCode: text(event.errorCode),
    retries: finite(event.retries),
    fallbacks: finite(event.data?.fallbacks),
    savedInNanoUsd: finite(event.data?.savedInNanoUsd),
    outcome: text(event.data?.outcome),
  };
}

const callTypes: ReadonlySet<string> = new Set(['reservation-commit', 'reservation-release', 'call-refuse', 'cache-serve']);

/**
 * How reports treat a row: 0 a task-finish; 1 a plain call, one that is one row on its own (an
 * answered first attempt, no retry, no fallback, so no other row of its call exists); 2 any other
 * call row; null for rows reports do not read. Plain calls can be summed without looking at calls.
 */
export function reportKind(event: LedgerEvent, fields: ReportFields = reportFields(event)): 0 | 1 | 2 | null {
  if (event.type === 'task-finish') return 0;
  if (!callTypes.has(event.type)) return null;
  const plain =
    (event.type === 'reservation-commit' || event.type === 'cache-serve') &&
    (event.status === 'ok' || event.status === 'cached') &&
    typeof event.requestId === 'string' &&
    (fields.retries ?? 0) === 0 &&
    (fields.fallbacks ?? 0) === 0;
  return plain ? 1 : 2;
}

/** A stored row as a scan returns it. */
export function toLedgerScanRow(row: LedgerRow, tagName: string | undefined): LedgerScanRow {
  const attribution = reportAttribution(row);
  const fields = reportFields(row);
  return {
    sequence: row.sequence,
    type: row.type,
    timeInMs: row.timeInMs,
    requestId: text(row.requestId),
    taskId: text(row.taskId),
    taskType: attribution.taskType,
    keyId: attribution.keyId,
    team: attribution.team,
    user: attribution.user,
    model: attribution.model,
    requestedModel: attribution.requestedModel,
    costInNanoUsd: finite(row.costInNanoUsd),
    status: (text(row.status) as CallStatus | null),
    errorCode: fields.errorCode,
    retries: fields.retries,
    tier: attribution.tier,
    savedInNanoUsd: fields.savedInNanoUsd,
    outcome: fields.outcome,
    tag: tagName === undefined ? null : text(row.tags?.[tagName]),
  };
}
