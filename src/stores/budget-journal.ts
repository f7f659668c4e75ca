import type { BudgetState } from '../core/store.js';
import type { HeapEntry } from './expiry-heap.js';

/** A reservation holding budget on its lines until it is committed, released or its lease expires. */
export interface ActiveReservation extends HeapEntry {
  reservationId: string;
  amountInNanoUsd: number;
  lineKeys: string[];
  leaseExpiresAtInMs: number;
}

/**
 * What is left of a reservation whose lease expired and was reclaimed: enough to charge a late
 * commit to the right lines (the money was spent even though the lease ran out).
 */
export interface ReservationTombstone extends HeapEntry {
  reservationId: string;
  amountInNanoUsd: number;
  lineKeys: string[];
  leaseExpiresAtInMs: number;
  purgeAtInMs: number;
}

/** Amounts added to a line's counters; negative to subtract. */
export interface LineCounterChange {
  reservedInNanoUsd: number;
  committedInNanoUsd: number;
  calls: number;
}

/**
 * Receives every change BudgetBook makes, in order, so a durable store can write the same
 * change in the transaction that wraps the operation.
 */
export interface BudgetJournal {
  /** The whole line: called when a line is created or its settings change. */
  writeLine(line: BudgetState): void;
  /** Adds the same amounts to the counters of every listed line; `lines` already hold the results. */
  addToLines(lines: readonly BudgetState[], change: LineCounterChange): void;
  deleteLine(key: string): void;
  writeReservation(reservation: ActiveReservation): void;
  deleteReservation(reservationId: string): void;
  writeTombstone(tombstone: ReservationTombstone): void;
  deleteTombstone(reservationId: string): void;
}

/** Journal for stores that keep nothing but the in-memory book. */
export const discardingJournal: BudgetJournal = {
  writeLine: () => undefined,
  addToLines: () => undefined,
  deleteLine: () => undefined,
  writeReservation: () => undefined,
  deleteReservation: () => undefined,
  writeTombstone: () => undefined,
  deleteTombstone: () => undefined,
};
