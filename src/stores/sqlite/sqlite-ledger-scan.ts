import type Database from 'better-sqlite3';
import { defaultLedgerScanBatchSize, type LedgerScanQuery, type LedgerScanRow } from '../../core/ledger-scan.js';
import { WardenError } from '../../core/warden-error.js';

const columns = `ledger.sequence, ledger.time_in_ms AS timeInMs, ledger.type, ledger.request_id AS requestId, ledger.task_id AS taskId,
  attribution.task_type AS taskType, attribution.key_id AS keyId, attribution.team, ledger.end_user AS user, attribution.model,
  attribution.requested_model AS requestedModel, ledger.cost_in_nano_usd AS costInNanoUsd, ledger.status, ledger.error_code AS errorCode,
  ledger.retries, attribution.tier, ledger.saved_in_nano_usd AS savedInNanoUsd, ledger.outcome`;

/**
 * Reads the report fields of ledger rows in time order from their columns and their attribution,
 * never event_json. Each batch is its own statement, resumed after the last (time, sequence)
 * seen, so nothing holds the connection between batches and the ledger's writes go on. Reports
 * on SQLite use SqliteLedgerReport, which sums in SQL; this serves any other scan.
 */
export class SqliteLedgerScan {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  *scan(query: LedgerScanQuery): Generator<LedgerScanRow[]> {
    if (query.types.length === 0) return;
    const batchSize = Math.max(1, Math.floor(query.batchSize ?? defaultLedgerScanBatchSize));
    const statement = this.statement(query.types.length, query.tagName !== undefined);
    const untilInMs = query.untilInMs ?? Number.MAX_SAFE_INTEGER;
    let afterTimeInMs = query.sinceInMs ?? Number.MIN_SAFE_INTEGER;
    let afterSequence = -1;
    const tagPath = query.tagName === undefined ? [] : [tagJsonPath(query.tagName)];
    for (;;) {
      const rows = statement.all(...tagPath, afterTimeInMs, untilInMs, afterTimeInMs, afterSequence, ...query.types, batchSize) as LedgerScanRow[];
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) return;
      const last = rows[rows.length - 1] as LedgerScanRow;
      afterTimeInMs = last.timeInMs;
      afterSequence = last.sequence;
    }
  }

  private statement(typeCount: number, withTag: boolean): Database.Statement {
    const key = `${typeCount}:${withTag}`;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      statement = this.db.prepare(`
        SELECT ${columns}, ${withTag ? 'json_extract(attribution.tags_json, ?)' : 'NULL'} AS tag
        FROM ledger LEFT JOIN ledger_attributions AS attribution ON attribution.id = ledger.attribution_id
        WHERE ledger.time_in_ms >= ? AND ledger.time_in_ms < ? AND (ledger.time_in_ms > ? OR ledger.sequence > ?)
          AND ledger.type IN (${Array.from({ length: typeCount }, () => '?').join(', ')})
        ORDER BY ledger.time_in_ms, ledger.sequence
        LIMIT ?`);
      this.statements.set(key, statement);
    }
    return statement;
  }
}

/** The JSON path of one tag; names with quotes or backslashes cannot be written in one, so they are refused. */
export function tagJsonPath(tagName: string): string {
  if (/["\\]/.test(tagName)) throw new WardenError('invalid_request', `Tag name ${JSON.stringify(tagName)} has a quote or backslash; tags to report by must not.`);
  return `$."${tagName}"`;
}
