import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { BudgetLine, Store } from '../../src/core/store.js';
import { budgetLine, reserveRequest, type MakeStore, type ManualClock } from './contract-fixtures.js';

type Operation =
  | { kind: 'reserve'; lineMask: number; amountInNanoUsd: number; leaseInMs: number }
  | { kind: 'commit'; pick: number; actualInNanoUsd: number }
  | { kind: 'release'; pick: number }
  | { kind: 'advance'; byInMs: number };

interface ModelReservation {
  amountInNanoUsd: number;
  lineIndexes: number[];
  leaseExpiresAtInMs: number;
  settled: boolean;
}

const lines: BudgetLine[] = [
  budgetLine('p0', { limitInNanoUsd: 50 }),
  budgetLine('p1', { limitInNanoUsd: 80 }),
  budgetLine('p2', { limitInNanoUsd: 120 }),
];

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reserve' as const), lineMask: fc.integer({ min: 1, max: 7 }), amountInNanoUsd: fc.integer({ min: 0, max: 40 }), leaseInMs: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), pick: fc.nat(), actualInNanoUsd: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), byInMs: fc.integer({ min: 1, max: 60 }) }) },
);

/**
 * Random interleavings of reserve, commit, release and expiry, checked against a model: reserve
 * admits exactly when every line can afford it, so committed + reserved exceeds a limit only by
 * what commits above their reservation or after their lease added, and reserved returns to 0.
 */
export function describeBudgetInvariantProperty(openStore: MakeStore, numRuns: number): void {
  describe('budget invariant (property)', () => {
    it('never admits past a limit, and reserved never goes negative and returns to zero', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(operation, { maxLength: 60 }), async (operations) => {
          const clock = createManualClock(0);
          const store = await openStore(clock);
          try {
            await runAgainstModel(store, clock, operations);
          } finally {
            await store.close();
          }
        }),
        { numRuns },
      );
    });
  });
}

async function runAgainstModel(store: Store, clock: ManualClock, operations: Operation[]): Promise<void> {
  const committed = lines.map(() => 0);
  const excess = lines.map(() => 0);
  const reservations = new Map<string, ModelReservation>();
  const ids: string[] = [];
  const isActive = (reservation: ModelReservation): boolean => !reservation.settled && reservation.leaseExpiresAtInMs > clock.now();
  const modelReserved = (lineIndex: number): number =>
    [...reservations.values()].filter((r) => isActive(r) && r.lineIndexes.includes(lineIndex)).reduce((sum, r) => sum + r.amountInNanoUsd, 0);

  for (const op of operations) {
    if (op.kind === 'advance') {
      clock.advance(op.byInMs);
    } else if (op.kind === 'reserve') {
      const id = `r${ids.length}`;
      ids.push(id);
      const lineIndexes = lines.map((_, index) => index).filter((index) => (op.lineMask >> index) & 1);
      const affordable = lineIndexes.every((index) => committed[index]! + modelReserved(index) + op.amountInNanoUsd <= lines[index]!.limitInNanoUsd!);
      const leaseExpiresAtInMs = clock.now() + op.leaseInMs;
      const result = await store.reserve(reserveRequest(id, lineIndexes.map((index) => lines[index]!), op.amountInNanoUsd, leaseExpiresAtInMs));
      expect(result.ok).toBe(affordable);
      if (result.ok) reservations.set(id, { amountInNanoUsd: op.amountInNanoUsd, lineIndexes, leaseExpiresAtInMs, settled: false });
    } else if (ids.length > 0) {
      const id = ids[op.pick % ids.length]!;
      const reservation = reservations.get(id);
      const late = reservation !== undefined && !reservation.settled && !isActive(reservation);
      const open = reservation !== undefined && !reservation.settled;
      if (op.kind === 'commit') {
        expect(await store.commit({ reservationId: id, actualInNanoUsd: op.actualInNanoUsd })).toMatchObject({ applied: open, leaseExpired: late });
        if (open) {
          for (const index of reservation.lineIndexes) {
            committed[index]! += op.actualInNanoUsd;
            excess[index]! += late ? op.actualInNanoUsd : Math.max(0, op.actualInNanoUsd - reservation.amountInNanoUsd);
          }
        }
      } else {
        expect(await store.release(id)).toBe(open && !late);
      }
      if (reservation !== undefined) reservation.settled = true;
    }

    const states = await store.snapshot(lines);
    states.forEach((state, index) => {
      expect(state.reservedInNanoUsd).toBe(modelReserved(index));
      expect(state.committedInNanoUsd).toBe(committed[index]);
      expect(state.reservedInNanoUsd).toBeGreaterThanOrEqual(0);
      expect(state.committedInNanoUsd + state.reservedInNanoUsd).toBeLessThanOrEqual(lines[index]!.limitInNanoUsd! + excess[index]!);
    });
  }

  for (const [id, reservation] of reservations) {
    if (isActive(reservation)) expect(await store.release(id)).toBe(true);
  }
  expect((await store.snapshot(lines)).map((state) => state.reservedInNanoUsd)).toEqual(lines.map(() => 0));
}
