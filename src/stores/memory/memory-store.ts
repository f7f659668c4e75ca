import type { Clock } from '../../core/clock.js';
import type { LedgerEvent, LedgerQuery, LedgerRow } from '../../core/ledger-event.js';
import type { LedgerScanQuery, LedgerScanRow } from '../../core/ledger-scan.js';
import type { BudgetLine, BudgetState, CommitRequest, CommitResult, Refusal, Reservation, ReserveRequest } from '../../core/store.js';
import { BudgetBook } from '../budget-book.js';
import { controlMethods } from '../control-methods.js';
import { GuardBook } from '../guard-book.js';
import { guardMethods } from '../guard-methods.js';
import type { PrunableStore } from '../prunable-store.js';
import { storeClosedError } from '../store-closed-error.js';
import { systemClock } from '../system-clock.js';
import { MemoryControl } from './memory-control.js';
import { MemoryLedger } from './memory-ledger.js';

export interface MemoryStoreOptions {
  clock?: Clock;
  /** How long a late commit can still charge a reclaimed lease; a day by default. */
  tombstoneRetentionInMs?: number;
  /** How often lines whose window ended are dropped; 0 turns it off. */
  pruneIntervalInMs?: number;
}

/**
 * A Store held in this process's memory: budgets, marks, ledger, keys, kill switches, cache, approvals and task guards vanish on exit.
 * @example const store = createMemoryStore({ clock: createManualClock() });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): PrunableStore {
  const clock = options.clock ?? systemClock;
  const book = new BudgetBook({ tombstoneRetentionInMs: options.tombstoneRetentionInMs });
  const ledger = new MemoryLedger();
  const marks = new Map<string, number>();
  const control = new MemoryControl();
  const guards = new GuardBook();
  let closed = false;

  const assertOpen = (): void => {
    if (closed) throw storeClosedError('memory');
  };
  const prune = (): number => {
    const nowInMs = clock.now();
    for (const [markKey, expiresAtInMs] of marks) {
      if (expiresAtInMs <= nowInMs) marks.delete(markKey);
    }
    control.pruneExpiredResponses(nowInMs);
    guards.prune(nowInMs);
    return book.pruneEndedLines(nowInMs);
  };
  const pruneIntervalInMs = options.pruneIntervalInMs ?? 60_000;
  const pruneTimer = pruneIntervalInMs > 0 ? setInterval(prune, pruneIntervalInMs).unref() : undefined;

  return {
    async reserve(request: ReserveRequest): Promise<Reservation | Refusal> {
      assertOpen();
      return book.reserve(request, clock.now());
    },
    async commit(request: CommitRequest): Promise<CommitResult> {
      assertOpen();
      return book.commit(request, clock.now());
    },
    async release(reservationId: string): Promise<boolean> {
      assertOpen();
      return book.release(reservationId, clock.now());
    },
    async snapshot(lines: ReadonlyArray<BudgetLine | string>): Promise<BudgetState[]> {
      assertOpen();
      book.reclaimExpired(clock.now());
      return book.snapshot(lines);
    },
    async claimMark(markKey: string, expiresAtInMs: number): Promise<boolean> {
      assertOpen();
      const heldUntilInMs = marks.get(markKey);
      if (heldUntilInMs !== undefined && heldUntilInMs > clock.now()) return false;
      marks.set(markKey, expiresAtInMs);
      return true;
    },
    async append(events: LedgerEvent[]): Promise<void> {
      assertOpen();
      ledger.append(events, clock.now());
    },
    async query(query: LedgerQuery): Promise<LedgerRow[]> {
      assertOpen();
      return ledger.query(query);
    },
    async *scanLedger(query: LedgerScanQuery): AsyncIterable<LedgerScanRow[]> {
      assertOpen();
      yield* ledger.scan(query);
    },
    ...controlMethods(control, assertOpen),
    ...guardMethods(guards, assertOpen),
    async flush(): Promise<void> {
      assertOpen();
    },
    async prune(): Promise<number> {
      assertOpen();
      return prune();
    },
    async close(): Promise<void> {
      closed = true;
      if (pruneTimer !== undefined) clearInterval(pruneTimer);
    },
  };
}
