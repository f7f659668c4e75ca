import type pg from 'pg';
import type { CallStatus, LedgerEventType } from '../../core/ledger-event.js';
import { defaultLedgerScanBatchSize, type LedgerScanQuery, type LedgerScanRow } from '../../core/ledger-scan.js';
import { WardenError } from '../../core/warden-error.js';

/**
 * The report fields that have no column of their own come out of the jsonb event inside
 * PostgreSQL (binary jsonb: no JSON text is parsed here). Columns would need a migration that
 * older replicas, still inserting without them during a rolling upgrade, would leave empty.
 */
const selectList = `sequence, time_in_ms, type, request_id, task_id, event->>'taskType', key_id, team, event->>'user', model,
  event->>'requestedModel', cost_in_nano_usd, status, event->>'errorCode',
  CASE WHEN jsonb_typeof(event->'retries') = 'number' THEN event->>'retries' END,
  CASE WHEN jsonb_typeof(event->'data'->'tier') = 'string' THEN event->'data'->>'tier' END,
  CASE WHEN jsonb_typeof(event->'data'->'savedInNanoUsd') = 'number' THEN event->'data'->>'savedInNanoUsd' END,
  CASE WHEN jsonb_typeof(event->'data'->'outcome') = 'string' THEN event->'data'->>'outcome' END`;

type ScanTuple = [string, string, string, ...Array<string | null>];

/**
 * Reads a scan from `table` (quoted) in batches, each its own statement resumed after the last
 * (time, sequence), in time order. Bounds are rounded up to whole milliseconds, as the bigint
 * column holds them (the same as postgresLedgerQuery).
 */
export async function* scanPostgresLedger(options: { pool: Pick<pg.Pool, 'query'>; table: string; location: string; query: LedgerScanQuery }): AsyncGenerator<LedgerScanRow[]> {
  const { query } = options;
  if (query.types.length === 0) return;
  const batchSize = Math.max(1, Math.floor(query.batchSize ?? defaultLedgerScanBatchSize));
  const tag = query.tagName === undefined ? 'NULL' : `event->'tags'->>$6`;
  const text = `SELECT ${selectList}, ${tag} FROM ${options.table}
    WHERE type = ANY($1::text[]) AND time_in_ms >= $2 AND time_in_ms < $3 AND (time_in_ms > $2 OR sequence > $4)
    ORDER BY time_in_ms, sequence LIMIT $5`;
  const untilInMs = query.untilInMs === undefined ? Number.MAX_SAFE_INTEGER : Math.ceil(query.untilInMs);
  let afterTimeInMs = query.sinceInMs === undefined ? Number.MIN_SAFE_INTEGER : Math.ceil(query.sinceInMs);
  let afterSequence = -1;
  for (;;) {
    const values: unknown[] = [query.types, afterTimeInMs, untilInMs, afterSequence, batchSize, ...(query.tagName === undefined ? [] : [query.tagName])];
    let tuples: ScanTuple[];
    try {
      tuples = (await options.pool.query<ScanTuple>({ text, values, rowMode: 'array' })).rows;
    } catch (cause) {
      throw new WardenError('store_unavailable', `Could not read the ledger from PostgreSQL at ${options.location}; check that PostgreSQL is running and reachable, then retry.`, { cause });
    }
    const rows = tuples.map(toScanRow);
    if (rows.length > 0) yield rows;
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1] as LedgerScanRow;
    afterTimeInMs = last.timeInMs;
    afterSequence = last.sequence;
  }
}

function toScanRow(tuple: ScanTuple): LedgerScanRow {
  return {
    sequence: Number(tuple[0]),
    timeInMs: Number(tuple[1]),
    type: tuple[2] as LedgerEventType,
    requestId: tuple[3] ?? null,
    taskId: tuple[4] ?? null,
    taskType: tuple[5] ?? null,
    keyId: tuple[6] ?? null,
    team: tuple[7] ?? null,
    user: tuple[8] ?? null,
    model: tuple[9] ?? null,
    requestedModel: tuple[10] ?? null,
    costInNanoUsd: numberOrNull(tuple[11]),
    status: (tuple[12] ?? null) as CallStatus | null,
    errorCode: tuple[13] ?? null,
    retries: numberOrNull(tuple[14]),
    tier: tuple[15] ?? null,
    savedInNanoUsd: numberOrNull(tuple[16]),
    outcome: tuple[17] ?? null,
    tag: tuple[18] ?? null,
  };
}

function numberOrNull(text: string | null | undefined): number | null {
  return text === null || text === undefined ? null : Number(text);
}
