import type { LedgerEvent, LedgerQuery, LedgerRow } from '../../core/ledger-event.js';
import { defaultLedgerScanBatchSize, type LedgerScanQuery, type LedgerScanRow } from '../../core/ledger-scan.js';
import { ledgerQueryMatch, withLedgerTime } from '../ledger-query-match.js';
import { toLedgerScanRow } from '../ledger-scan-row.js';

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

  /** The scan's rows in time order (then sequence), in batches; what it selects is fixed when it starts. */
  *scan(query: LedgerScanQuery): Generator<LedgerScanRow[]> {
    const types = new Set<string>(query.types);
    const matches = this.rows.filter((row) => types.has(row.type) && ledgerQueryMatch(row, { ...(query.sinceInMs === undefined ? {} : { sinceInMs: query.sinceInMs }), ...(query.untilInMs === undefined ? {} : { untilInMs: query.untilInMs }) }));
    matches.sort((left, right) => left.timeInMs - right.timeInMs || left.sequence - right.sequence);
    const batchSize = Math.max(1, Math.floor(query.batchSize ?? defaultLedgerScanBatchSize));
    for (let start = 0; start < matches.length; start += batchSize) {
      yield matches.slice(start, start + batchSize).map((row) => toLedgerScanRow(row, query.tagName));
    }
  }
}
