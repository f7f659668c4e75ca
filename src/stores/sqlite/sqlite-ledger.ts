import type Database from 'better-sqlite3';
import type { Clock } from '../../core/clock.js';
import type { LedgerEvent, LedgerQuery, LedgerRow } from '../../core/ledger-event.js';
import { WardenError } from '../../core/warden-error.js';
import { withLedgerTime } from '../ledger-query-match.js';
import { reportAttribution, reportFields, reportKind, type ReportAttribution } from '../ledger-scan-row.js';
import { SqliteLedgerAttributions } from './sqlite-ledger-attributions.js';
import { FlushTimer } from '../flush-timer.js';

export interface SqliteLedgerOptions {
  clock: Clock;
  flushIntervalInMs: number;
  maxBatchSize: number;
}

/**
 * One event as the insert statement's parameters, serialised at append so a bad event fails its
 * own caller; its attribution becomes an id only in the write transaction, where it may be filed.
 */
interface LedgerRowParameters {
  columns: Array<string | number | null>;
  attributionKey: string;
  attribution: ReportAttribution;
}

interface AppendWaiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

const settleTypes: ReadonlySet<string> = new Set(['reservation-commit', 'reservation-release']);

/**
 * The ledger in SQLite, written off the hot path: append() buffers, and the buffer is written in
 * one transaction every flushIntervalInMs or once it holds maxBatchSize events. A failed write
 * keeps every event and is retried with backoff; the failure rejects the waiting promises.
 * A call whose reservation is settled before its `reservation-create` row was written is stored
 * as its settled row alone (which carries everything the create row did): one row per call. So a
 * create row is serialised only when a write finds it still unsettled.
 */
export class SqliteLedger {
  private buffered: Array<LedgerRowParameters | undefined> = [];
  /** Buffered reservation-create events by reservation id (their slot in `buffered` stays empty until a write), so their settle row can replace them. */
  private bufferedCreates = new Map<string, { index: number; event: LedgerEvent }>();
  private waiters: AppendWaiter[] = [];
  private readonly timer: FlushTimer;
  private readonly insertBatch: Database.Transaction<(rows: ReadonlyArray<LedgerRowParameters | undefined>) => void>;
  private readonly queries = new Map<string, Database.Statement>();
  private readonly attributions: SqliteLedgerAttributions;

  constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteLedgerOptions,
  ) {
    const insert = db.prepare(`
      INSERT INTO ledger (time_in_ms, type, request_id, task_id, parent_task_id, key_id, team, model, cost_in_nano_usd, status, event_json,
        end_user, report_kind, error_code, retries, saved_in_nano_usd, outcome, attribution_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const attributions = new SqliteLedgerAttributions(db);
    this.attributions = attributions;
    this.insertBatch = db.transaction((rows: ReadonlyArray<LedgerRowParameters | undefined>) => {
      for (const row of rows) if (row !== undefined) insert.run(...row.columns, attributions.idFor(row.attributionKey, row.attribution));
    });
    this.timer = new FlushTimer({ intervalInMs: options.flushIntervalInMs, onDue: () => this.write() });
  }

  /** Resolves once these events are in the file; rejects if a write attempt fails (they stay buffered and are retried). */
  append(events: readonly LedgerEvent[]): Promise<void> {
    const nowInMs = this.options.clock.now();
    if (events.length === 0) return Promise.resolve();
    for (const event of events) {
      const reservationId = event.data?.reservationId;
      if (typeof reservationId === 'string') {
        if (event.type === 'reservation-create') {
          this.bufferedCreates.set(reservationId, { index: this.buffered.length, event: withLedgerTime(event, nowInMs) });
          this.buffered.push(undefined);
          continue;
        }
        const create = settleTypes.has(event.type) ? this.bufferedCreates.get(reservationId) : undefined;
        if (create !== undefined) {
          // After a failed write the slot may already hold the serialised create row.
          this.buffered[create.index] = undefined;
          this.bufferedCreates.delete(reservationId);
        }
      }
      this.buffered.push(toParameters(withLedgerTime(event, nowInMs)));
    }
    const written = new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
    this.timer.arm(this.buffered.length >= this.options.maxBatchSize);
    return written;
  }

  /** Writes the buffer now; rejects when the write fails (the events stay buffered). */
  flush(): Promise<void> {
    const error = this.write();
    return error === undefined ? Promise.resolve() : Promise.reject(error);
  }

  query(query: LedgerQuery): LedgerRow[] {
    const conditions: string[] = [];
    const parameters: Array<string | number> = [];
    if (query.types !== undefined && query.types.length > 0) {
      conditions.push(`type IN (${query.types.map(() => '?').join(', ')})`);
      parameters.push(...query.types);
    }
    const equalities: Array<[string, string | undefined]> = [
      ['request_id', query.requestId],
      ['task_id', query.taskId],
      ['key_id', query.keyId],
    ];
    for (const [column, value] of equalities) {
      if (value === undefined) continue;
      conditions.push(`${column} = ?`);
      parameters.push(value);
    }
    if (query.sinceInMs !== undefined) {
      conditions.push('time_in_ms >= ?');
      parameters.push(query.sinceInMs);
    }
    if (query.untilInMs !== undefined) {
      conditions.push('time_in_ms < ?');
      parameters.push(query.untilInMs);
    }
    if (query.afterSequence !== undefined) {
      conditions.push('sequence > ?');
      parameters.push(query.afterSequence);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const sql = `SELECT sequence, event_json FROM ledger ${where} ORDER BY sequence LIMIT ?`;
    parameters.push(query.limit === undefined ? -1 : Math.max(0, Math.floor(query.limit)));
    const rows = this.statement(sql).all(parameters) as Array<{ sequence: number; event_json: string }>;
    return rows.map((row) => ({ ...(JSON.parse(row.event_json) as LedgerEvent), sequence: row.sequence }));
  }

  /** Stops the timer; the owner flushes first. */
  stop(): void {
    this.timer.disarm();
  }

  private write(): WardenError | undefined {
    if (this.buffered.length === 0) return undefined;
    const rows = this.buffered;
    for (const { index, event } of this.bufferedCreates.values()) rows[index] = toParameters(event);
    const waiters = this.waiters;
    this.waiters = [];
    try {
      this.insertBatch.immediate(rows);
    } catch (cause) {
      this.attributions.forget();
      const retryInMs = this.timer.failed();
      const error = new WardenError(
        'store_unavailable',
        `Could not write ${rows.filter((row) => row !== undefined).length} ledger events to SQLite; they are kept in memory and retried in ${retryInMs} ms. Check the disk and the database file.`,
        { cause, details: { bufferedEvents: rows.filter((row) => row !== undefined).length } },
      );
      for (const waiter of waiters) waiter.reject(error);
      return error;
    }
    this.buffered = [];
    this.bufferedCreates = new Map();
    this.timer.succeeded();
    for (const waiter of waiters) waiter.resolve();
    return undefined;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.queries.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.queries.set(sql, statement);
    }
    return statement;
  }
}

function toParameters(event: LedgerEvent): LedgerRowParameters {
  const fields = reportFields(event);
  const attribution = reportAttribution(event);
  const columns = [
    event.timeInMs,
    event.type,
    event.requestId ?? null,
    event.taskId ?? null,
    event.parentTaskId ?? null,
    event.keyId ?? null,
    event.team ?? null,
    event.model ?? null,
    event.costInNanoUsd ?? null,
    event.status ?? null,
    JSON.stringify(event),
    attribution.user,
    reportKind(event, fields),
    fields.errorCode,
    fields.retries,
    fields.savedInNanoUsd,
    fields.outcome,
  ];
  return { columns, attributionKey: SqliteLedgerAttributions.keyOf(attribution), attribution };
}
