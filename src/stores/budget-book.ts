import type {
  BudgetLine,
  BudgetState,
  CommitRequest,
  CommitResult,
  LineTotals,
  Refusal,
  Reservation,
  ReserveRequest,
} from '../core/store.js';
import { discardingJournal, type ActiveReservation, type BudgetJournal, type ReservationTombstone } from './budget-journal.js';
import { ExpiryHeap } from './expiry-heap.js';
import { assertNanoUsd, validateReserveRequest } from './validate-reserve-request.js';

export interface BudgetBookOptions {
  journal?: BudgetJournal;
  /** How long a late commit can still charge a reclaimed lease. */
  tombstoneRetentionInMs?: number;
}

/** Saved book contents, for stores that load it back after a restart. */
export interface BudgetBookContents {
  lines: Iterable<BudgetState>;
  reservations: Iterable<Omit<ActiveReservation, 'heapIndex'>>;
  tombstones: Iterable<Omit<ReservationTombstone, 'heapIndex'>>;
}

/** A day: long enough for any call to finish, short enough to keep memory bounded. */
export const defaultTombstoneRetentionInMs = 24 * 60 * 60 * 1000;

/**
 * The budget state machine every single-process store shares, so memory and SQLite behave the
 * same. Synchronous and pure apart from the journal: the caller passes the time in.
 */
export class BudgetBook {
  private readonly lines = new Map<string, BudgetState>();
  private readonly reservations = new Map<string, ActiveReservation>();
  private readonly tombstones = new Map<string, ReservationTombstone>();
  private readonly leases = new ExpiryHeap<ActiveReservation>((reservation) => reservation.leaseExpiresAtInMs);
  private readonly purges = new ExpiryHeap<ReservationTombstone>((tombstone) => tombstone.purgeAtInMs);
  private readonly journal: BudgetJournal;
  private readonly tombstoneRetentionInMs: number;

  constructor(options: BudgetBookOptions = {}) {
    this.journal = options.journal ?? discardingJournal;
    this.tombstoneRetentionInMs = options.tombstoneRetentionInMs ?? defaultTombstoneRetentionInMs;
  }

  /** Loads saved contents without journaling them. */
  load(contents: BudgetBookContents): void {
    for (const line of contents.lines) this.lines.set(line.key, { ...line });
    for (const saved of contents.reservations) {
      const reservation: ActiveReservation = { ...saved, heapIndex: -1 };
      this.reservations.set(reservation.reservationId, reservation);
      this.leases.push(reservation);
    }
    for (const saved of contents.tombstones) {
      const tombstone: ReservationTombstone = { ...saved, heapIndex: -1 };
      this.tombstones.set(tombstone.reservationId, tombstone);
      this.purges.push(tombstone);
    }
  }

  /** True when a lease has expired or a tombstone is due, i.e. reclaiming would change something. */
  hasExpired(nowInMs: number): boolean {
    const lease = this.leases.peek();
    const purge = this.purges.peek();
    return (lease !== undefined && lease.leaseExpiresAtInMs <= nowInMs) || (purge !== undefined && purge.purgeAtInMs <= nowInMs);
  }

  /** Frees the budget of every lease expired at `nowInMs`, oldest first, leaving tombstones. */
  reclaimExpired(nowInMs: number): void {
    for (let lease = this.leases.peek(); lease !== undefined && lease.leaseExpiresAtInMs <= nowInMs; lease = this.leases.peek()) {
      this.leases.pop();
      this.reservations.delete(lease.reservationId);
      this.journal.deleteReservation(lease.reservationId);
      this.moveAmount(lease.lineKeys, -lease.amountInNanoUsd, 0);
      const tombstone: ReservationTombstone = {
        reservationId: lease.reservationId,
        amountInNanoUsd: lease.amountInNanoUsd,
        lineKeys: lease.lineKeys,
        leaseExpiresAtInMs: lease.leaseExpiresAtInMs,
        purgeAtInMs: lease.leaseExpiresAtInMs + this.tombstoneRetentionInMs,
        heapIndex: -1,
      };
      this.tombstones.set(tombstone.reservationId, tombstone);
      this.purges.push(tombstone);
      this.journal.writeTombstone(tombstone);
    }
    for (let purge = this.purges.peek(); purge !== undefined && purge.purgeAtInMs <= nowInMs; purge = this.purges.peek()) {
      this.dropTombstone(purge);
    }
  }

  reserve(request: ReserveRequest, nowInMs: number): Reservation | Refusal {
    validateReserveRequest(request);
    this.reclaimExpired(nowInMs);
    const existing = this.reservations.get(request.reservationId);
    if (existing !== undefined) return toReservation(existing);

    const amount = request.amountInNanoUsd;
    const calls = request.calls ?? 1;
    for (const line of request.lines) {
      const state = this.lines.get(line.key);
      const committed = state?.committedInNanoUsd ?? 0;
      const reserved = state?.reservedInNanoUsd ?? 0;
      const usedCalls = state?.calls ?? 0;
      const overMoney = line.limitInNanoUsd !== undefined && committed + reserved + amount > line.limitInNanoUsd;
      if (overMoney || (line.callLimit !== undefined && usedCalls + calls > line.callLimit)) {
        return {
          ok: false,
          reason: overMoney ? 'money' : 'calls',
          line,
          committedInNanoUsd: committed,
          reservedInNanoUsd: reserved,
          calls: usedCalls,
          requestedInNanoUsd: amount,
        };
      }
    }

    // Reserving a reclaimed id again is a retry of the same call: the new lease replaces the late charge.
    const tombstone = this.tombstones.get(request.reservationId);
    if (tombstone !== undefined) this.dropTombstone(tombstone);
    const lineKeys: string[] = [];
    const states: BudgetState[] = [];
    for (const line of request.lines) {
      let state = this.lines.get(line.key);
      if (state === undefined) {
        state = { ...lineSettings(line), committedInNanoUsd: 0, reservedInNanoUsd: 0, calls: 0 };
        this.lines.set(line.key, state);
        this.journal.writeLine(state);
      } else if (settingsDiffer(state, line)) {
        updateSettings(state, line);
        this.journal.writeLine(state);
      }
      state.reservedInNanoUsd += amount;
      state.calls += calls;
      lineKeys.push(line.key);
      states.push(state);
    }
    this.journal.addToLines(states, { reservedInNanoUsd: amount, committedInNanoUsd: 0, calls });
    const reservation: ActiveReservation = {
      reservationId: request.reservationId,
      amountInNanoUsd: amount,
      lineKeys,
      leaseExpiresAtInMs: request.leaseExpiresAtInMs,
      heapIndex: -1,
    };
    this.reservations.set(reservation.reservationId, reservation);
    this.leases.push(reservation);
    this.journal.writeReservation(reservation);
    return toReservation(reservation);
  }

  commit(request: CommitRequest, nowInMs: number): CommitResult {
    assertNanoUsd(request.actualInNanoUsd, 'actualInNanoUsd');
    this.reclaimExpired(nowInMs);
    const reservation = this.reservations.get(request.reservationId);
    if (reservation !== undefined) {
      this.removeReservation(reservation);
      const lines = this.moveAmount(reservation.lineKeys, -reservation.amountInNanoUsd, request.actualInNanoUsd);
      return { applied: true, leaseExpired: false, lines };
    }
    const tombstone = this.tombstones.get(request.reservationId);
    if (tombstone !== undefined) {
      this.dropTombstone(tombstone);
      const lines = this.moveAmount(tombstone.lineKeys, 0, request.actualInNanoUsd);
      return { applied: true, leaseExpired: true, lines };
    }
    return { applied: false, leaseExpired: false, lines: [] };
  }

  /** True when it freed reserved budget; a reclaimed lease is forgotten (no late charge) but returns false. */
  release(reservationId: string, nowInMs: number): boolean {
    this.reclaimExpired(nowInMs);
    const reservation = this.reservations.get(reservationId);
    if (reservation === undefined) {
      const tombstone = this.tombstones.get(reservationId);
      if (tombstone !== undefined) this.dropTombstone(tombstone);
      return false;
    }
    this.removeReservation(reservation);
    this.moveAmount(reservation.lineKeys, -reservation.amountInNanoUsd, 0);
    return true;
  }

  /**
   * State per requested line, in request order. A BudgetLine reports its own limits (the caller's
   * current settings) and zeros when unknown; an unknown plain key is omitted.
   */
  snapshot(lines: ReadonlyArray<BudgetLine | string>): BudgetState[] {
    const states: BudgetState[] = [];
    for (const line of lines) {
      const state = this.lines.get(typeof line === 'string' ? line : line.key);
      if (typeof line === 'string') {
        if (state !== undefined) states.push({ ...state });
      } else {
        states.push({
          ...lineSettings(line),
          committedInNanoUsd: state?.committedInNanoUsd ?? 0,
          reservedInNanoUsd: state?.reservedInNanoUsd ?? 0,
          calls: state?.calls ?? 0,
        });
      }
    }
    return states;
  }

  /** Drops lines whose window has ended and that hold no reservation. Returns how many. */
  pruneEndedLines(nowInMs: number): number {
    this.reclaimExpired(nowInMs);
    let dropped = 0;
    for (const [key, state] of this.lines) {
      if (state.windowEndInMs <= nowInMs && state.reservedInNanoUsd === 0) {
        this.lines.delete(key);
        this.journal.deleteLine(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  private removeReservation(reservation: ActiveReservation): void {
    this.reservations.delete(reservation.reservationId);
    this.leases.remove(reservation);
    this.journal.deleteReservation(reservation.reservationId);
  }

  private dropTombstone(tombstone: ReservationTombstone): void {
    this.tombstones.delete(tombstone.reservationId);
    this.purges.remove(tombstone);
    this.journal.deleteTombstone(tombstone.reservationId);
  }

  /** Lines pruned after their window ended are skipped: nothing counts against them any more. */
  private moveAmount(lineKeys: readonly string[], reservedDelta: number, committedDelta: number): LineTotals[] {
    const states: BudgetState[] = [];
    const totals: LineTotals[] = [];
    for (const key of lineKeys) {
      const state = this.lines.get(key);
      if (state === undefined) continue;
      state.reservedInNanoUsd += reservedDelta;
      state.committedInNanoUsd += committedDelta;
      states.push(state);
      totals.push({ key, committedInNanoUsd: state.committedInNanoUsd, reservedInNanoUsd: state.reservedInNanoUsd });
    }
    this.journal.addToLines(states, { reservedInNanoUsd: reservedDelta, committedInNanoUsd: committedDelta, calls: 0 });
    return totals;
  }
}

/** A line's settings as a BudgetState carries them. */
export function lineSettings(line: BudgetLine): Omit<BudgetState, 'committedInNanoUsd' | 'reservedInNanoUsd' | 'calls'> {
  return {
    key: line.key,
    scope: line.scope,
    window: line.window,
    windowStartInMs: line.windowStartInMs,
    windowEndInMs: line.windowEndInMs,
    limitInNanoUsd: line.limitInNanoUsd,
    callLimit: line.callLimit,
  };
}

function settingsDiffer(state: BudgetState, line: BudgetLine): boolean {
  return (
    state.limitInNanoUsd !== line.limitInNanoUsd ||
    state.callLimit !== line.callLimit ||
    state.windowEndInMs !== line.windowEndInMs ||
    state.windowStartInMs !== line.windowStartInMs ||
    state.scope !== line.scope ||
    state.window !== line.window
  );
}

function updateSettings(state: BudgetState, line: BudgetLine): void {
  state.scope = line.scope;
  state.window = line.window;
  state.windowStartInMs = line.windowStartInMs;
  state.windowEndInMs = line.windowEndInMs;
  state.limitInNanoUsd = line.limitInNanoUsd;
  state.callLimit = line.callLimit;
}

function toReservation(reservation: ActiveReservation): Reservation {
  return {
    ok: true,
    reservationId: reservation.reservationId,
    amountInNanoUsd: reservation.amountInNanoUsd,
    leaseExpiresAtInMs: reservation.leaseExpiresAtInMs,
  };
}
