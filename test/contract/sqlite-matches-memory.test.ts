import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { BudgetLine, Store } from '../../src/core/store.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createSqliteStore, type BudgetDurability } from '../../src/stores/sqlite/sqlite-store.js';
import { budgetLine, reserveRequest } from './contract-fixtures.js';

type Step =
  | { kind: 'reserve'; lineMask: number; amountInNanoUsd: number; leaseInMs: number; limitShift: number }
  | { kind: 'commit'; pick: number; actualInNanoUsd: number }
  | { kind: 'release'; pick: number }
  | { kind: 'advance'; byInMs: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('reserve' as const),
    lineMask: fc.integer({ min: 0, max: 7 }),
    amountInNanoUsd: fc.integer({ min: 0, max: 30 }),
    leaseInMs: fc.integer({ min: 1, max: 80 }),
    limitShift: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ kind: fc.constant('commit' as const), pick: fc.nat(), actualInNanoUsd: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), byInMs: fc.integer({ min: 1, max: 50 }) }),
);

const linesFor = (limitShift: number): BudgetLine[] => [
  budgetLine('m0', { limitInNanoUsd: 40 + 10 * limitShift, callLimit: 12 }),
  budgetLine('m1', { limitInNanoUsd: 70 }),
  budgetLine('m2'),
];
const keys = linesFor(0).map((line) => line.key);
const directory = mkdtempSync(join(tmpdir(), 'warden-sqlite-oracle-'));
let opened = 0;

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

interface History {
  reserves: number;
}

/** Runs the steps and returns every answer plus a final snapshot; ids continue across calls through `history`. */
async function apply(store: Store, steps: readonly Step[], clock: ReturnType<typeof createManualClock>, history: History): Promise<unknown[]> {
  const outcomes: unknown[] = [];
  const pickId = (pick: number): string => `r${pick % Math.max(1, history.reserves)}`;
  for (const current of steps) {
    if (current.kind === 'advance') clock.advance(current.byInMs);
    else if (current.kind === 'reserve') {
      const lines = linesFor(current.limitShift).filter((_, index) => (current.lineMask >> index) & 1);
      outcomes.push(await store.reserve(reserveRequest(`r${history.reserves++}`, lines, current.amountInNanoUsd, clock.now() + current.leaseInMs)));
    } else if (current.kind === 'commit') {
      outcomes.push(await store.commit({ reservationId: pickId(current.pick), actualInNanoUsd: current.actualInNanoUsd }));
    } else {
      outcomes.push(await store.release(pickId(current.pick)));
    }
  }
  outcomes.push(await store.snapshot(keys));
  return outcomes;
}

describe.each(['per-operation', 'batched'] as BudgetDurability[])('SQLite store matches the memory store (%s)', (budgetDurability) => {
  it('gives the same answers step by step, and the same state and leases after close and reopen', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), fc.array(step, { maxLength: 15 }), async (before, after) => {
        const memoryClock = createManualClock(0);
        const sqliteClock = createManualClock(0);
        const path = join(directory, `oracle-${(opened += 1)}.db`);
        const memory = createMemoryStore({ clock: memoryClock });
        const sqlite = createSqliteStore({ path, clock: sqliteClock, budgetDurability });
        const memoryHistory = { reserves: 0 };
        const sqliteHistory = { reserves: 0 };
        expect(await apply(sqlite, before, sqliteClock, sqliteHistory)).toEqual(await apply(memory, before, memoryClock, memoryHistory));
        await sqlite.close();
        const reopened = createSqliteStore({ path, clock: sqliteClock, budgetDurability });
        try {
          expect(await apply(reopened, after, sqliteClock, sqliteHistory)).toEqual(await apply(memory, after, memoryClock, memoryHistory));
        } finally {
          await reopened.close();
          await memory.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
