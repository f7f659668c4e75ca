import type { LedgerRow } from '../../src/core/ledger-event.js';

const noon = Date.UTC(2026, 10, 25, 12);
let sequence = 0;

/** A ledger row with a fresh sequence number, at noon UTC on 2026-11-25 unless given a time. */
export function row(fields: Partial<LedgerRow> & Pick<LedgerRow, 'type'>): LedgerRow {
  sequence += 1;
  return { timeInMs: noon, sequence, ...fields };
}

/** The rows of one answered call: reserve, then commit. */
export function call(fields: Partial<LedgerRow> & { costInNanoUsd: number }): LedgerRow[] {
  const requestId = `r${sequence + 1}`;
  return [row({ type: 'reservation-create', requestId, ...fields, costInNanoUsd: undefined }), row({ type: 'reservation-commit', requestId, status: 'ok', ...fields })];
}
