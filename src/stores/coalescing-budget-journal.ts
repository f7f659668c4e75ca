import type { BudgetState } from '../core/store.js';
import type { ActiveReservation, BudgetJournal, ReservationTombstone } from './budget-journal.js';

/**
 * A journal for batched writes: it remembers which rows changed and later writes each one once,
 * with its latest value, so a reservation made and settled within one batch costs one delete.
 */
export class CoalescingBudgetJournal implements BudgetJournal {
  private lines = new Map<string, BudgetState | null>();
  private reservations = new Map<string, ActiveReservation | null>();
  private tombstones = new Map<string, ReservationTombstone | null>();

  /** Called on every change, e.g. to arm a flush timer. */
  constructor(private readonly onChange: () => void) {}

  get changedRows(): number {
    return this.lines.size + this.reservations.size + this.tombstones.size;
  }

  writeLine(line: BudgetState): void {
    this.lines.set(line.key, line);
    this.onChange();
  }

  addToLines(lines: readonly BudgetState[]): void {
    for (const line of lines) this.lines.set(line.key, line);
    this.onChange();
  }

  deleteLine(key: string): void {
    this.lines.set(key, null);
    this.onChange();
  }

  writeReservation(reservation: ActiveReservation): void {
    this.reservations.set(reservation.reservationId, reservation);
    this.onChange();
  }

  deleteReservation(reservationId: string): void {
    this.reservations.set(reservationId, null);
    this.onChange();
  }

  writeTombstone(tombstone: ReservationTombstone): void {
    this.tombstones.set(tombstone.reservationId, tombstone);
    this.onChange();
  }

  deleteTombstone(reservationId: string): void {
    this.tombstones.set(reservationId, null);
    this.onChange();
  }

  /** Writes every changed row to `target` (inside the caller's transaction); forget() once it committed. */
  replayInto(target: BudgetJournal): void {
    for (const [key, line] of this.lines) {
      if (line === null) target.deleteLine(key);
      else target.writeLine(line);
    }
    for (const [reservationId, reservation] of this.reservations) {
      if (reservation === null) target.deleteReservation(reservationId);
      else target.writeReservation(reservation);
    }
    for (const [reservationId, tombstone] of this.tombstones) {
      if (tombstone === null) target.deleteTombstone(reservationId);
      else target.writeTombstone(tombstone);
    }
  }

  forget(): void {
    this.lines = new Map();
    this.reservations = new Map();
    this.tombstones = new Map();
  }
}
