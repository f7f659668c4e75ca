import Database from 'better-sqlite3';
import type { CallStatus, LedgerEventType } from '../../core/ledger-event.js';
import type { LedgerCallSummary, LedgerScanRow, LedgerSummaryAttribution, LedgerSummaryBatch, LedgerSummaryQuery, LedgerTaskOutcome } from '../../core/ledger-scan.js';
import { readLedgerAttributions, type LedgerAttribution } from './sqlite-ledger-attributions.js';

const summariesPerBatch = 5_000;

/**
 * One streaming pass over the covering index ledger_for_reports (task, attribution, user, UTC
 * day, kind): plain calls are counted and summed in SQL and every other call row handed over as
 * JSON, so a million rows cost one index scan and some hundred thousand small results instead of
 * a million decoded rows.
 */
const callSql = `
  SELECT task_id, attribution_id, end_user, time_in_ms / 86400000, report_kind, count(*), count(*) FILTER (WHERE type = 'cache-serve'),
    total(cost_in_nano_usd), total(saved_in_nano_usd),
    CASE WHEN report_kind = 2 THEN json_group_array(json_array(sequence, time_in_ms, type, request_id, status, error_code, retries, cost_in_nano_usd, saved_in_nano_usd)) FILTER (WHERE report_kind = 2) END
  FROM ledger INDEXED BY ledger_for_reports
  WHERE report_kind IN (1, 2) AND time_in_ms >= ? AND time_in_ms < ?
  GROUP BY task_id, attribution_id, end_user, time_in_ms / 86400000, report_kind`;

/** Each task's task-finish rows, reduced to the latest valid outcome: printf gives fixed widths, so the largest text is the latest. */
const outcomeSql = `
  SELECT task_id, count(*), max(printf('%015d%010d', time_in_ms, sequence) || outcome) FILTER (WHERE outcome IN ('success', 'failure'))
  FROM ledger INDEXED BY ledger_task_finishes
  WHERE report_kind = 0 AND time_in_ms >= ? AND time_in_ms < ?
  GROUP BY task_id`;

const countSql = `
  SELECT count(*) FROM ledger INDEXED BY ledger_by_type
  WHERE type IN ('reservation-commit', 'reservation-release', 'call-refuse', 'cache-serve', 'task-finish') AND time_in_ms >= ? AND time_in_ms < ?`;

type SummaryTuple = [string | null, number | null, string | null, number, 1 | 2, number, number, number, number, string | null];
type OutcomeTuple = [string | null, number, string | null];
type DetailTuple = [number, number, LedgerEventType, string | null, CallStatus | null, string | null, number | null, number | null, number | null];

const noAttribution: LedgerAttribution = { taskType: null, team: null, keyId: null, tier: null, model: null, requestedModel: null, tagsJson: null };

/** Summarizes the SQLite ledger for reports (Store.summarizeLedger). */
export class SqliteLedgerReport {
  constructor(private readonly options: { db: Database.Database; path: string }) {}

  /**
   * Reads through a connection of its own where the file allows (a snapshot that does not block
   * the store's writes and may span awaits); an in-memory database is read in one go.
   */
  async *summarize(query: LedgerSummaryQuery): AsyncGenerator<LedgerSummaryBatch> {
    const onDisk = this.options.path !== '' && this.options.path !== ':memory:' && !this.options.path.startsWith('file::memory:');
    const reader = onDisk ? new Database(this.options.path, { readonly: true, fileMustExist: true }) : this.options.db;
    try {
      const bounds = [query.sinceInMs ?? Number.MIN_SAFE_INTEGER, query.untilInMs ?? Number.MAX_SAFE_INTEGER];
      // One read transaction, so the count, the attributions and the rows are one snapshot.
      if (onDisk) reader.exec('BEGIN');
      const expectedRows = query.countRows === true ? (reader.prepare(countSql).pluck().get(...bounds) as number) : undefined;
      const attributionOf = summaryAttributions(readLedgerAttributions(reader), query.tagName);
      const outcomes = reader.prepare(outcomeSql).raw().all(...bounds) as OutcomeTuple[];
      let batch: LedgerSummaryBatch = { summaries: [], outcomes: outcomes.map(outcomeOf), rows: [], ...(expectedRows === undefined ? {} : { expectedRows }) };
      const statement = reader.prepare(callSql).raw();
      const tuples: Iterable<SummaryTuple> = onDisk ? (statement.iterate(...bounds) as IterableIterator<SummaryTuple>) : (statement.all(...bounds) as SummaryTuple[]);
      for (const tuple of tuples) {
        const attribution = attributionOf(tuple[1]);
        if (tuple[4] === 2) addDetailRows(batch.rows, tuple, attribution);
        else batch.summaries.push(summaryOf(tuple, attribution));
        if (batch.summaries.length + batch.rows.length >= summariesPerBatch) {
          yield batch;
          batch = { summaries: [], outcomes: [], rows: [] };
          // A turn of the event loop between batches keeps a gateway that runs a report serving calls.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      if (batch.summaries.length + batch.outcomes.length + batch.rows.length > 0 || batch.expectedRows !== undefined) yield batch;
    } finally {
      if (onDisk) reader.close();
    }
  }
}

/** One shared LedgerSummaryAttribution per attribution id, with the tag asked for read from its tags once. */
function summaryAttributions(attributions: ReadonlyMap<number, LedgerAttribution>, tagName: string | undefined): (id: number | null) => LedgerSummaryAttribution {
  const shared = new Map<number | null, LedgerSummaryAttribution>();
  return (id) => {
    let attribution = shared.get(id);
    if (attribution === undefined) {
      const stored = (id === null ? undefined : attributions.get(id)) ?? noAttribution;
      const tags = tagName === undefined || stored.tagsJson === null ? undefined : (JSON.parse(stored.tagsJson) as Record<string, unknown>);
      const tag = tags?.[tagName as string];
      attribution = {
        taskType: stored.taskType,
        keyId: stored.keyId,
        team: stored.team,
        model: stored.model,
        requestedModel: stored.requestedModel,
        tier: stored.tier,
        tag: typeof tag === 'string' ? tag : null,
      };
      shared.set(id, attribution);
    }
    return attribution;
  };
}

function summaryOf(tuple: SummaryTuple, attribution: LedgerSummaryAttribution): LedgerCallSummary {
  const [taskId, , user, day, , calls, cacheHits, spendInNanoUsd, cacheSavingsInNanoUsd] = tuple;
  return { taskId, user, attribution, day, calls, cacheHits, spendInNanoUsd, cacheSavingsInNanoUsd };
}

function outcomeOf([taskId, rows, key]: OutcomeTuple): LedgerTaskOutcome {
  return {
    taskId,
    rows,
    outcome: key === null ? null : { outcome: key.slice(25) as 'success' | 'failure', timeInMs: Number(key.slice(0, 15)), sequence: Number(key.slice(15, 25)) },
  };
}

function addDetailRows(rows: LedgerScanRow[], tuple: SummaryTuple, attribution: LedgerSummaryAttribution): void {
  const [taskId, , user] = tuple;
  for (const [sequence, timeInMs, type, requestId, status, errorCode, retries, costInNanoUsd, savedInNanoUsd] of JSON.parse(tuple[9] ?? '[]') as DetailTuple[]) {
    rows.push({
      sequence,
      type,
      timeInMs,
      requestId,
      taskId,
      taskType: attribution.taskType,
      keyId: attribution.keyId,
      team: attribution.team,
      user,
      model: attribution.model,
      requestedModel: attribution.requestedModel,
      costInNanoUsd,
      status,
      errorCode,
      retries,
      tier: attribution.tier,
      savedInNanoUsd,
      outcome: null,
      tag: attribution.tag,
    });
  }
}
