import type { LedgerEvent, LedgerQuery } from '../core/ledger-event.js';

/**
 * Whether an event passes a query's filters (all but afterSequence and limit). Every store
 * filters the same way: `sinceInMs` inclusive, `untilInMs` exclusive, an empty `types` list
 * means no type filter.
 */
export function ledgerQueryMatch(event: LedgerEvent, query: LedgerQuery): boolean {
  if (query.types !== undefined && query.types.length > 0 && !query.types.includes(event.type)) return false;
  if (query.requestId !== undefined && event.requestId !== query.requestId) return false;
  if (query.taskId !== undefined && event.taskId !== query.taskId) return false;
  if (query.keyId !== undefined && event.keyId !== query.keyId) return false;
  if (query.sinceInMs !== undefined && event.timeInMs < query.sinceInMs) return false;
  if (query.untilInMs !== undefined && event.timeInMs >= query.untilInMs) return false;
  return true;
}

/** The event as stored: its time defaults to now when the caller left it out. */
export function withLedgerTime(event: LedgerEvent, nowInMs: number): LedgerEvent {
  return Number.isFinite(event.timeInMs) ? event : { ...event, timeInMs: nowInMs };
}
