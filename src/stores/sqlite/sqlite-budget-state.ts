import type Database from 'better-sqlite3';
import type { ScopeKey } from '../../core/scope.js';
import type { BudgetState, WindowKind } from '../../core/store.js';
import { isWardenError, WardenError } from '../../core/warden-error.js';
import { BudgetBook, type BudgetBookContents } from '../budget-book.js';
import type { BudgetJournal } from '../budget-journal.js';
import { CoalescingBudgetJournal } from '../coalescing-budget-journal.js';
import { FlushTimer } from '../flush-timer.js';
import { createSqliteBudgetJournal } from './sqlite-budget-journal.js';

interface LineRow {
  line_key: string;
  scope: string;
  window_kind: string;
  window_start_in_ms: number;
  window_end_in_ms: number;
  limit_in_nano_usd: number | null;
  call_limit: number | null;
  committed_in_nano_usd: number;
  reserved_in_nano_usd: number;
  calls: number;
}

interface ReservationRow {
  reservation_id: string;
  amount_in_nano_usd: number;
  line_keys_json: string;
  lease_expires_at_in_ms: number;
  purge_at_in_ms?: number;
}

/**
 * When budget changes reach the file. `per-operation`: inside each reserve/commit/release, before
 * its promise resolves. `batched`: with the next background write (every flushIntervalInMs); a
 * crash can lose that interval's changes, close() loses none.
 */
export type BudgetDurability = 'per-operation' | 'batched';

export interface SqliteBudgetStateOptions {
  durability: BudgetDurability;
  tombstoneRetentionInMs: number;
  flushIntervalInMs: number;
}

/**
 * Budget state in SQLite with the whole book cached in memory: decisions read the cache and
 * every change is written through, in one IMMEDIATE transaction per operation or per batch, so a
 * reserve is atomic over all lines. One process owns the file's budget state.
 */
export class SqliteBudgetState {
  private book: BudgetBook;
  private readonly transaction: Database.Transaction<(work: () => unknown) => unknown>;
  private readonly sqliteJournal: BudgetJournal;
  private readonly pending: CoalescingBudgetJournal | undefined;
  private readonly timer: FlushTimer;
  /** Set when a transaction failed: the cache may hold its changes, so it is reloaded before the next use. */
  private stale = false;

  constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteBudgetStateOptions,
  ) {
    this.sqliteJournal = createSqliteBudgetJournal(db);
    this.pending = options.durability === 'batched' ? new CoalescingBudgetJournal(() => this.timer.arm()) : undefined;
    this.transaction = db.transaction((work: () => unknown) => work());
    this.timer = new FlushTimer({
      intervalInMs: options.flushIntervalInMs,
      // Nobody awaits a background batch, so its failure is announced here as well as by flush() and close().
      onDue: () => {
        const error = this.flush();
        if (error !== undefined) process.emitWarning(error);
      },
    });
    this.book = this.loadBook();
  }

  /** Runs one book operation; per operation, in a transaction after which a failure reloads the cache. */
  run<Result>(work: (book: BudgetBook) => Result): Result {
    if (this.pending !== undefined) return work(this.book);
    const book = this.current();
    try {
      return this.transaction.immediate(() => work(book)) as Result;
    } catch (error) {
      // The book validates input before it changes anything, so a refused request leaves the cache as it was.
      if (isWardenError(error) && error.code === 'invalid_request') throw error;
      this.stale = true;
      throw new WardenError('store_unavailable', 'Could not write budget state to SQLite; nothing was changed. Check the disk and the database file, then retry.', {
        cause: error,
      });
    }
  }

  /** Reads without writing, reclaiming expired leases first only when there are any. */
  read<Result>(nowInMs: number, work: (book: BudgetBook) => Result): Result {
    if (this.current().hasExpired(nowInMs)) this.run((book) => book.reclaimExpired(nowInMs));
    return work(this.current());
  }

  /** Writes batched changes in one transaction; on failure keeps them, retries later, and returns the error. */
  flush(): WardenError | undefined {
    const pending = this.pending;
    if (pending === undefined || pending.changedRows === 0) return undefined;
    try {
      this.transaction.immediate(() => pending.replayInto(this.sqliteJournal));
    } catch (cause) {
      const retryInMs = this.timer.failed();
      return new WardenError(
        'store_unavailable',
        `Could not write ${pending.changedRows} changed budget rows to SQLite; they are kept in memory and retried in ${retryInMs} ms. Check the disk and the database file.`,
        { cause, details: { pendingRows: pending.changedRows } },
      );
    }
    pending.forget();
    this.timer.succeeded();
    return undefined;
  }

  stop(): void {
    this.timer.disarm();
  }

  private current(): BudgetBook {
    if (!this.stale) return this.book;
    try {
      this.book = this.loadBook();
    } catch (cause) {
      throw new WardenError('store_unavailable', 'Could not read budget state back from SQLite after a failed write. Check the disk and the database file, then retry.', {
        cause,
      });
    }
    this.stale = false;
    return this.book;
  }

  private loadBook(): BudgetBook {
    const book = new BudgetBook({ journal: this.pending ?? this.sqliteJournal, tombstoneRetentionInMs: this.options.tombstoneRetentionInMs });
    book.load(readContents(this.db));
    return book;
  }
}

function readContents(db: Database.Database): BudgetBookContents {
  const lines = (db.prepare('SELECT * FROM budget_lines').all() as LineRow[]).map(
    (row): BudgetState => ({
      key: row.line_key,
      scope: row.scope as ScopeKey,
      window: row.window_kind as WindowKind,
      windowStartInMs: row.window_start_in_ms,
      windowEndInMs: row.window_end_in_ms,
      limitInNanoUsd: row.limit_in_nano_usd ?? undefined,
      callLimit: row.call_limit ?? undefined,
      committedInNanoUsd: row.committed_in_nano_usd,
      reservedInNanoUsd: row.reserved_in_nano_usd,
      calls: row.calls,
    }),
  );
  const reservations = (db.prepare('SELECT * FROM reservations').all() as ReservationRow[]).map((row) => ({
    reservationId: row.reservation_id,
    amountInNanoUsd: row.amount_in_nano_usd,
    lineKeys: JSON.parse(row.line_keys_json) as string[],
    leaseExpiresAtInMs: row.lease_expires_at_in_ms,
  }));
  const tombstones = (db.prepare('SELECT * FROM reservation_tombstones').all() as ReservationRow[]).map((row) => ({
    reservationId: row.reservation_id,
    amountInNanoUsd: row.amount_in_nano_usd,
    lineKeys: JSON.parse(row.line_keys_json) as string[],
    leaseExpiresAtInMs: row.lease_expires_at_in_ms,
    purgeAtInMs: row.purge_at_in_ms ?? row.lease_expires_at_in_ms,
  }));
  return { lines, reservations, tombstones };
}

