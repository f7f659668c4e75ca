import type Database from 'better-sqlite3';
import type { BudgetState } from '../../core/store.js';
import type { ActiveReservation, BudgetJournal, LineCounterChange, ReservationTombstone } from '../budget-journal.js';

/** The BudgetJournal as prepared statements run straight away; the caller wraps them in a transaction. */
export function createSqliteBudgetJournal(db: Database.Database): BudgetJournal {
  const writeLine = db.prepare(`
    INSERT INTO budget_lines (line_key, scope, window_kind, window_start_in_ms, window_end_in_ms, limit_in_nano_usd,
      call_limit, committed_in_nano_usd, reserved_in_nano_usd, calls)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (line_key) DO UPDATE SET scope = excluded.scope, window_kind = excluded.window_kind,
      window_start_in_ms = excluded.window_start_in_ms, window_end_in_ms = excluded.window_end_in_ms,
      limit_in_nano_usd = excluded.limit_in_nano_usd, call_limit = excluded.call_limit,
      committed_in_nano_usd = excluded.committed_in_nano_usd, reserved_in_nano_usd = excluded.reserved_in_nano_usd,
      calls = excluded.calls`);
  const deleteLine = db.prepare('DELETE FROM budget_lines WHERE line_key = ?');
  // One statement per reservation instead of one per line: statements, not rows, dominate the cost.
  const addToLinesByCount: Database.Statement[] = [];
  const addToLines = (count: number): Database.Statement => {
    let statement = addToLinesByCount[count];
    if (statement === undefined) {
      statement = db.prepare(`
        UPDATE budget_lines SET reserved_in_nano_usd = reserved_in_nano_usd + ?, committed_in_nano_usd = committed_in_nano_usd + ?,
          calls = calls + ? WHERE line_key IN (${Array.from({ length: count }, () => '?').join(', ')})`);
      addToLinesByCount[count] = statement;
    }
    return statement;
  };
  const writeReservation = db.prepare(
    'INSERT OR REPLACE INTO reservations (reservation_id, amount_in_nano_usd, line_keys_json, lease_expires_at_in_ms) VALUES (?, ?, ?, ?)',
  );
  const deleteReservation = db.prepare('DELETE FROM reservations WHERE reservation_id = ?');
  const writeTombstone = db.prepare(
    'INSERT OR REPLACE INTO reservation_tombstones (reservation_id, amount_in_nano_usd, line_keys_json, lease_expires_at_in_ms, purge_at_in_ms) VALUES (?, ?, ?, ?, ?)',
  );
  const deleteTombstone = db.prepare('DELETE FROM reservation_tombstones WHERE reservation_id = ?');
  return {
    writeLine: (line: BudgetState) => {
      writeLine.run(
        line.key,
        line.scope,
        line.window,
        line.windowStartInMs,
        line.windowEndInMs,
        line.limitInNanoUsd ?? null,
        line.callLimit ?? null,
        line.committedInNanoUsd,
        line.reservedInNanoUsd,
        line.calls,
      );
    },
    addToLines: (lines: readonly BudgetState[], change: LineCounterChange) => {
      if (lines.length === 0) return;
      const parameters: Array<string | number> = [change.reservedInNanoUsd, change.committedInNanoUsd, change.calls];
      for (const line of lines) parameters.push(line.key);
      addToLines(lines.length).run(parameters);
    },
    deleteLine: (key: string) => {
      deleteLine.run(key);
    },
    writeReservation: (reservation: ActiveReservation) => {
      writeReservation.run(reservation.reservationId, reservation.amountInNanoUsd, JSON.stringify(reservation.lineKeys), reservation.leaseExpiresAtInMs);
    },
    deleteReservation: (reservationId: string) => {
      deleteReservation.run(reservationId);
    },
    writeTombstone: (tombstone: ReservationTombstone) => {
      writeTombstone.run(
        tombstone.reservationId,
        tombstone.amountInNanoUsd,
        JSON.stringify(tombstone.lineKeys),
        tombstone.leaseExpiresAtInMs,
        tombstone.purgeAtInMs,
      );
    },
    deleteTombstone: (reservationId: string) => {
      deleteTombstone.run(reservationId);
    },
  };
}
