import type { Clock } from '../../core/clock.js';
import type { LedgerEvent, LedgerQuery, LedgerRow } from '../../core/ledger-event.js';
import type { LedgerScanQuery, LedgerScanRow, LedgerSummaryBatch, LedgerSummaryQuery } from '../../core/ledger-scan.js';
import type { BudgetLine, BudgetState, CommitRequest, CommitResult, Refusal, Reservation, ReserveRequest } from '../../core/store.js';
import { WardenError } from '../../core/warden-error.js';
import { defaultTombstoneRetentionInMs } from '../budget-book.js';
import { controlMethods } from '../control-methods.js';
import { guardMethods } from '../guard-methods.js';
import type { PrunableStore } from '../prunable-store.js';
import { storeClosedError } from '../store-closed-error.js';
import { systemClock } from '../system-clock.js';
import { SqliteBudgetState, type BudgetDurability } from './sqlite-budget-state.js';
import { SqliteControl } from './sqlite-control.js';
import { SqliteGuards } from './sqlite-guards.js';
import { SqliteLedger } from './sqlite-ledger.js';
import { SqliteLedgerReport } from './sqlite-ledger-report.js';
import { SqliteLedgerScan } from './sqlite-ledger-scan.js';
import { openSqliteDatabase } from './sqlite-schema.js';

export type { BudgetDurability } from './sqlite-budget-state.js';

export interface SqliteStoreOptions {
  /** The database file; its -wal and -shm companions live beside it. */
  path: string;
  clock?: Clock;
  /** How long appended ledger events may wait in memory before they are written. */
  flushIntervalInMs?: number;
  /** Buffered ledger events that trigger a write straight away. */
  maxBatchSize?: number;
  /** How long a write waits for another connection's lock before it fails. */
  busyTimeoutInMs?: number;
  /** How long a late commit can still charge a reclaimed lease; a day by default. */
  tombstoneRetentionInMs?: number;
  /** How often lines whose window ended are dropped; 0 turns it off. */
  pruneIntervalInMs?: number;
  /** `per-operation` (default): each change is in the file when its promise resolves. See BudgetDurability. */
  budgetDurability?: BudgetDurability;
}

/**
 * A Store in one SQLite file (WAL): budget state, keys, kill switches and cache written through on
 * every change, the ledger in batches. One process owns the file's budget state; others may read
 * the ledger and share the approvals and task guard records (several SDK agents and the CLI).
 * @example const store = createSqliteStore({ path: 'warden.db' });
 */
export function createSqliteStore(options: SqliteStoreOptions): PrunableStore {
  const clock = options.clock ?? systemClock;
  const db = openSqliteDatabase({ path: options.path, busyTimeoutInMs: options.busyTimeoutInMs ?? 2_000 });
  const flushIntervalInMs = options.flushIntervalInMs ?? 50;
  const budget = new SqliteBudgetState(db, {
    durability: options.budgetDurability ?? 'per-operation',
    tombstoneRetentionInMs: options.tombstoneRetentionInMs ?? defaultTombstoneRetentionInMs,
    flushIntervalInMs,
  });
  const ledger = new SqliteLedger(db, { clock, flushIntervalInMs, maxBatchSize: options.maxBatchSize ?? 500 });
  const scan = new SqliteLedgerScan(db);
  const report = new SqliteLedgerReport({ db, path: options.path });
  const control = new SqliteControl(db);
  const guards = new SqliteGuards(db);
  const flush = async (): Promise<void> => {
    const budgetError = budget.flush();
    await ledger.flush();
    if (budgetError !== undefined) throw budgetError;
  };
  const claimMark = db.prepare(`
    INSERT INTO marks (mark_key, expires_at_in_ms) VALUES (?, ?)
    ON CONFLICT (mark_key) DO UPDATE SET expires_at_in_ms = excluded.expires_at_in_ms WHERE marks.expires_at_in_ms <= ?`);
  const deleteExpiredMarks = db.prepare('DELETE FROM marks WHERE expires_at_in_ms <= ?');
  let closed = false;

  const assertOpen = (): void => {
    if (closed) throw storeClosedError('SQLite');
  };
  const prune = (): number => {
    const nowInMs = clock.now();
    const dropped = budget.run((book) => book.pruneEndedLines(nowInMs));
    deleteExpiredMarks.run(nowInMs);
    control.pruneExpiredResponses(nowInMs);
    guards.prune(nowInMs);
    return dropped;
  };
  const pruneIntervalInMs = options.pruneIntervalInMs ?? 60_000;
  const pruneTimer = pruneIntervalInMs > 0 ? setInterval(() => runInBackground(prune), pruneIntervalInMs).unref() : undefined;

  return {
    async reserve(request: ReserveRequest): Promise<Reservation | Refusal> {
      assertOpen();
      const nowInMs = clock.now();
      return budget.run((book) => book.reserve(request, nowInMs));
    },
    async commit(request: CommitRequest): Promise<CommitResult> {
      assertOpen();
      const nowInMs = clock.now();
      return budget.run((book) => book.commit(request, nowInMs));
    },
    async release(reservationId: string): Promise<boolean> {
      assertOpen();
      const nowInMs = clock.now();
      return budget.run((book) => book.release(reservationId, nowInMs));
    },
    async snapshot(lines: ReadonlyArray<BudgetLine | string>): Promise<BudgetState[]> {
      assertOpen();
      return budget.read(clock.now(), (book) => book.snapshot(lines));
    },
    async claimMark(markKey: string, expiresAtInMs: number): Promise<boolean> {
      assertOpen();
      try {
        return claimMark.run(markKey, expiresAtInMs, clock.now()).changes === 1;
      } catch (cause) {
        throw new WardenError('store_unavailable', `Could not claim mark "${markKey}" in SQLite; check the database file, then retry.`, { cause });
      }
    },
    async append(events: LedgerEvent[]): Promise<void> {
      assertOpen();
      return ledger.append(events);
    },
    async query(query: LedgerQuery): Promise<LedgerRow[]> {
      assertOpen();
      await ledger.flush();
      return ledger.query(query);
    },
    async *scanLedger(query: LedgerScanQuery): AsyncIterable<LedgerScanRow[]> {
      assertOpen();
      await ledger.flush();
      for (const batch of scan.scan(query)) {
        yield batch;
        // Each batch is read synchronously: a turn of the event loop between them keeps a gateway that runs a report serving calls.
        await new Promise((resolve) => setImmediate(resolve));
        assertOpen();
      }
    },
    async *summarizeLedger(query: LedgerSummaryQuery): AsyncIterable<LedgerSummaryBatch> {
      assertOpen();
      await ledger.flush();
      yield* report.summarize(query);
    },
    ...controlMethods(control, assertOpen),
    ...guardMethods(guards, assertOpen),
    async flush(): Promise<void> {
      assertOpen();
      return flush();
    },
    async prune(): Promise<number> {
      assertOpen();
      return prune();
    },
    async close(): Promise<void> {
      if (closed) return;
      // A failed final write leaves the store open, so the caller can retry close() and lose nothing.
      await flush();
      closed = true;
      ledger.stop();
      budget.stop();
      if (pruneTimer !== undefined) clearInterval(pruneTimer);
      db.close();
    },
  };
}

/** Housekeeping failures are not fatal: the next run, or the next write, will report a broken file. */
function runInBackground(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    process.emitWarning(error instanceof Error ? error : String(error), { code: 'WARDEN_SQLITE_PRUNE' });
  }
}
