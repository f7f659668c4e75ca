import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../../core/clock.js';
import type { LedgerEvent, LedgerQuery, LedgerRow } from '../../core/ledger-event.js';
import type { LedgerScanQuery, LedgerScanRow } from '../../core/ledger-scan.js';
import { WardenError } from '../../core/warden-error.js';
import { FlushTimer } from '../flush-timer.js';
import { withLedgerTime } from '../ledger-query-match.js';
import type { LedgerSpool } from './ledger-spool.js';
import { postgresLedgerQuery } from './postgres-ledger-query.js';
import { scanPostgresLedger } from './postgres-ledger-scan.js';
import { toPostgresLedgerRow, type PostgresLedgerRow } from './postgres-ledger-row.js';

export interface PostgresLedgerOptions {
  pool: pg.Pool;
  spool: LedgerSpool;
  clock: Clock;
  /** The quoted schema name. */
  schema: string;
  /** Where the ledger lives, for messages: the URL without its password, and the schema. */
  location: string;
  flushIntervalInMs: number;
  maxBatchSize: number;
  /** Told the outcome of every write attempt: undefined when it succeeded. */
  onWrite?: (error: WardenError | undefined) => void;
}

interface AppendWaiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

const columns = 'event_id, time_in_ms, type, request_id, task_id, parent_task_id, key_id, team, model, cost_in_nano_usd, status, event';

/**
 * The ledger in PostgreSQL, written off the hot path: append() spools the events to local disk and
 * buffers them; the buffer goes to PostgreSQL every flushIntervalInMs, or at once when it holds
 * maxBatchSize events. A failed write keeps every event (buffer and spool), rejects the waiting
 * appends and is retried with backoff. Each event carries an id, so a batch written twice lands once.
 * A call settled within one batch is written as its settle row alone, as in the SQLite ledger.
 */
const settleTypes: ReadonlySet<string> = new Set(['reservation-commit', 'reservation-release']);

export class PostgresLedger {
  private buffered: PostgresLedgerRow[] = [];
  /** reservation-create rows still waiting in `buffered`, by reservation id, so their settle row can replace them. */
  private bufferedCreates = new Map<string, PostgresLedgerRow>();
  /** Create rows replaced by their settle row before a write took them: one row per call. */
  private replaced = new Set<PostgresLedgerRow>();
  private waiters: AppendWaiter[] = [];
  private writing: Promise<WardenError | undefined> | undefined;
  private readonly timer: FlushTimer;
  private readonly insert: string;
  private readonly table: string;

  constructor(private readonly options: PostgresLedgerOptions) {
    this.table = `${options.schema}.ledger`;
    // unnest keeps the statement text the same for any batch size; the ordinality keeps append order in the sequence.
    this.insert = `
      INSERT INTO ${this.table} (${columns})
      SELECT ${columns} FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[], $12::jsonb[])
        WITH ORDINALITY AS batch (${columns}, batch_position)
      ORDER BY batch_position
      ON CONFLICT (event_id) DO NOTHING`;
    this.timer = new FlushTimer({ intervalInMs: options.flushIntervalInMs, onDue: () => void this.write() });
  }

  /** Puts events an earlier store spooled but never wrote ahead of everything else; their segments were adopted by the spool. */
  requeue(rows: readonly PostgresLedgerRow[]): void {
    this.buffered = [...rows, ...this.buffered];
  }

  /** Resolves once the events are in PostgreSQL; rejects if a write attempt fails (they stay spooled and are retried). */
  append(events: readonly LedgerEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const nowInMs = this.options.clock.now();
    try {
      const rows = events.map((event) => toPostgresLedgerRow(randomUUID(), withLedgerTime(event, nowInMs)));
      this.spoolRows(rows);
      this.buffered.push(...rows);
      events.forEach((event, index) => this.pairSettle(event, rows[index] as PostgresLedgerRow));
    } catch (error) {
      return Promise.reject(error);
    }
    const written = new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
    this.timer.arm(this.buffered.length >= this.options.maxBatchSize);
    return written;
  }

  /** Writes everything buffered now, after any write in progress; rejects when that fails (the events stay). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    const error = await this.write();
    if (error !== undefined) throw error;
  }

  async query(query: LedgerQuery): Promise<LedgerRow[]> {
    const { text, values } = postgresLedgerQuery(query, this.table);
    try {
      const result = await this.options.pool.query<{ sequence: string; event: LedgerEvent }>(text, values);
      // bigint comes back as a string; sequences stay far below 2^53.
      return result.rows.map((row) => ({ ...row.event, sequence: Number(row.sequence) }));
    } catch (cause) {
      throw new WardenError('store_unavailable', `Could not read the ledger from PostgreSQL at ${this.options.location}; check that PostgreSQL is running and reachable, then retry.`, { cause });
    }
  }

  /** The report fields of the rows a scan selects, in batches (see scanPostgresLedger). */
  scan(query: LedgerScanQuery): AsyncGenerator<LedgerScanRow[]> {
    return scanPostgresLedger({ pool: this.options.pool, table: this.table, location: this.options.location, query });
  }

  /** Events accepted but not yet confirmed in PostgreSQL (they are in the spool). */
  get waiting(): number {
    return this.buffered.length;
  }

  /** Stops the timer; the owner flushes first. */
  stop(): void {
    this.timer.disarm();
  }

  /**
   * A call settled before its reservation-create row was written is stored as its settled row
   * alone, which carries everything the create row did (the spool keeps both until the write).
   */
  private pairSettle(event: LedgerEvent, row: PostgresLedgerRow): void {
    const reservationId = event.data?.reservationId;
    if (typeof reservationId !== 'string') return;
    if (event.type === 'reservation-create') {
      this.bufferedCreates.set(reservationId, row);
      return;
    }
    const create = settleTypes.has(event.type) ? this.bufferedCreates.get(reservationId) : undefined;
    if (create === undefined) return;
    this.replaced.add(create);
    this.bufferedCreates.delete(reservationId);
  }

  private spoolRows(rows: readonly PostgresLedgerRow[]): void {
    try {
      this.options.spool.write(rows);
    } catch (cause) {
      throw new WardenError(
        'store_unavailable',
        `Could not write ${rows.length} ledger events to the spool directory ${this.options.spool.directory}; check that it exists, is writable and has space.`,
        { cause },
      );
    }
  }

  /** Starts a write of the buffer unless one is running (then returns that one). */
  private write(): Promise<WardenError | undefined> {
    if (this.writing !== undefined) return this.writing;
    if (this.buffered.length === 0) return Promise.resolve(undefined);
    const writing = this.writeBuffered().then((error) => {
      this.writing = undefined;
      this.options.onWrite?.(error);
      return error;
    });
    this.writing = writing;
    return writing;
  }

  private async writeBuffered(): Promise<WardenError | undefined> {
    const rows = this.replaced.size === 0 ? this.buffered : this.buffered.filter((row) => !this.replaced.has(row));
    const waiters = this.waiters;
    this.buffered = [];
    this.waiters = [];
    // Rows this write takes can no longer be replaced; after a failure they go back as they are.
    this.bufferedCreates = new Map();
    this.replaced = new Set();
    let segments: string[] = [];
    let written = 0;
    try {
      segments = this.options.spool.rotate();
      while (written < rows.length) {
        const batch = rows.slice(written, written + this.options.maxBatchSize);
        await this.insertBatch(batch);
        written += batch.length;
      }
    } catch (cause) {
      this.buffered = [...rows.slice(written), ...this.buffered];
      const retryInMs = this.timer.failed();
      const error = new WardenError(
        'store_unavailable',
        `Could not write ${rows.length - written} ledger events to PostgreSQL at ${this.options.location}; they are kept in the spool directory ${this.options.spool.directory} and retried in ${retryInMs} ms. Check that PostgreSQL is running and reachable.`,
        { cause, details: { bufferedEvents: this.buffered.length } },
      );
      for (const waiter of waiters) waiter.reject(error);
      return error;
    }
    this.options.spool.remove(segments);
    this.timer.succeeded();
    // Appends made while this write ran armed the timer that succeeded() just cleared.
    if (this.buffered.length > 0) this.timer.arm(this.buffered.length >= this.options.maxBatchSize);
    for (const waiter of waiters) waiter.resolve();
    return undefined;
  }

  /**
   * One transaction under an advisory lock on the ledger, so replicas' batches commit one at a
   * time and `sequence` grows in commit order: a reader tailing with afterSequence skips no row.
   */
  private async insertBatch(rows: readonly PostgresLedgerRow[]): Promise<void> {
    const client = await this.options.pool.connect();
    // A connection that drops between two statements emits 'error' on the checked-out client;
    // unheard, that would crash the process. The next statement fails and the batch is retried.
    const ignoreDrop = (): void => undefined;
    client.on('error', ignoreDrop);
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`warden-ledger:${this.table}`]);
      await client.query(this.insert, [
        rows.map((row) => row.eventId),
        rows.map((row) => row.timeInMs),
        rows.map((row) => row.type),
        rows.map((row) => row.requestId),
        rows.map((row) => row.taskId),
        rows.map((row) => row.parentTaskId),
        rows.map((row) => row.keyId),
        rows.map((row) => row.team),
        rows.map((row) => row.model),
        rows.map((row) => row.costInNanoUsd),
        rows.map((row) => row.status),
        rows.map((row) => row.json),
      ]);
      await client.query('COMMIT');
    } catch (error) {
      client.off('error', ignoreDrop);
      // Closing the connection ends the transaction; a connection in an unknown state must not go back to the pool.
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    client.off('error', ignoreDrop);
    client.release();
  }
}
