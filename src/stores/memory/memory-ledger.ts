import type { LedgerEvent, LedgerQuery, LedgerRow } from '../../core/ledger-event.js';
import { ledgerQueryMatch, withLedgerTime } from '../ledger-query-match.js';

/** The ledger of the memory store: an array whose index is the sequence minus one. */
export class MemoryLedger {
  private readonly rows: LedgerRow[] = [];

  append(events: readonly LedgerEvent[], nowInMs: number): void {
    for (const event of events) {
      this.rows.push({ ...withLedgerTime(event, nowInMs), sequence: this.rows.length + 1 });
    }
  }

  query(query: LedgerQuery): LedgerRow[] {
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const matches: LedgerRow[] = [];
    for (let index = Math.max(0, Math.floor(query.afterSequence ?? 0)); index < this.rows.length && matches.length < limit; index += 1) {
      const row = this.rows[index] as LedgerRow;
      if (ledgerQueryMatch(row, query)) matches.push({ ...row });
    }
    return matches;
  }
}
