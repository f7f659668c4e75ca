import Database from 'better-sqlite3';
import { WardenError } from '../../core/warden-error.js';

/** Schema steps in order; step i moves the database from user_version i to i + 1. Append, never edit. */
export const sqliteMigrations: readonly string[] = [
  `
  CREATE TABLE budget_lines (
    line_key TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    window_kind TEXT NOT NULL,
    window_start_in_ms INTEGER NOT NULL,
    window_end_in_ms INTEGER NOT NULL,
    limit_in_nano_usd INTEGER,
    call_limit INTEGER,
    committed_in_nano_usd INTEGER NOT NULL,
    reserved_in_nano_usd INTEGER NOT NULL,
    calls INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE reservations (
    reservation_id TEXT PRIMARY KEY,
    amount_in_nano_usd INTEGER NOT NULL,
    line_keys_json TEXT NOT NULL,
    lease_expires_at_in_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE reservation_tombstones (
    reservation_id TEXT PRIMARY KEY,
    amount_in_nano_usd INTEGER NOT NULL,
    line_keys_json TEXT NOT NULL,
    lease_expires_at_in_ms INTEGER NOT NULL,
    purge_at_in_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE marks (
    mark_key TEXT PRIMARY KEY,
    expires_at_in_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE ledger (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    time_in_ms INTEGER NOT NULL,
    type TEXT NOT NULL,
    request_id TEXT,
    task_id TEXT,
    parent_task_id TEXT,
    key_id TEXT,
    team TEXT,
    model TEXT,
    cost_in_nano_usd INTEGER,
    status TEXT,
    event_json TEXT NOT NULL
  );
  CREATE INDEX ledger_by_time ON ledger (time_in_ms);
  CREATE INDEX ledger_by_type ON ledger (type, time_in_ms);
  CREATE INDEX ledger_by_request ON ledger (request_id) WHERE request_id IS NOT NULL;
  CREATE INDEX ledger_by_task ON ledger (task_id) WHERE task_id IS NOT NULL;
  CREATE INDEX ledger_by_key ON ledger (key_id, time_in_ms) WHERE key_id IS NOT NULL;
  `,
  `
  CREATE TABLE virtual_keys (
    -- Insertion order, which breaks ties between keys created in the same millisecond.
    sequence INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    created_at_in_ms INTEGER NOT NULL,
    revoked_at_in_ms INTEGER,
    key_json TEXT NOT NULL
  );
  CREATE UNIQUE INDEX virtual_keys_by_hash ON virtual_keys (hash);
  CREATE TABLE kill_switches (
    target TEXT PRIMARY KEY,
    at_in_ms INTEGER NOT NULL,
    switch_json TEXT NOT NULL
  ) WITHOUT ROWID;
  -- A rowid table, unlike the others: response bodies can be large, which WITHOUT ROWID handles badly.
  CREATE TABLE cached_responses (
    response_key TEXT PRIMARY KEY,
    expires_at_in_ms INTEGER NOT NULL,
    response_json TEXT NOT NULL
  );
  CREATE INDEX cached_responses_by_expiry ON cached_responses (expires_at_in_ms);
  `,
  `
  CREATE TABLE approvals (
    -- Filing order: the latest approval of a call is the one with the highest sequence.
    sequence INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    call_key TEXT,
    created_at_in_ms INTEGER NOT NULL,
    keep_until_in_ms INTEGER NOT NULL,
    approval_json TEXT NOT NULL
  );
  CREATE INDEX approvals_by_call ON approvals (call_key, sequence) WHERE call_key IS NOT NULL;
  CREATE INDEX approvals_by_retention ON approvals (keep_until_in_ms);
  CREATE TABLE task_guards (
    task_id TEXT PRIMARY KEY,
    expires_at_in_ms INTEGER NOT NULL,
    guard_json TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX task_guards_by_expiry ON task_guards (expires_at_in_ms);
  `,
  // Reports: each row's attribution (task type, team, key, tier, models, tags) as an id into a
  // small table, the end user and the report fields that had no column, and report_kind (0
  // task-finish, 1 a plain call: one row, answered, first attempt; 2 any other call row), filled
  // from event_json for the rows already there. One index covers a report's scan of call rows,
  // grouped by task, attribution, user, UTC day and kind; a small one its task-finish rows.
  `
  CREATE TABLE ledger_attributions (
    id INTEGER PRIMARY KEY,
    -- The fields below as a JSON array: one row per distinct attribution (a duplicate would only cost a row).
    attribution_key TEXT NOT NULL UNIQUE,
    task_type TEXT,
    team TEXT,
    key_id TEXT,
    tier TEXT,
    model TEXT,
    requested_model TEXT,
    tags_json TEXT
  );
  ALTER TABLE ledger ADD COLUMN attribution_id INTEGER;
  ALTER TABLE ledger ADD COLUMN end_user TEXT;
  ALTER TABLE ledger ADD COLUMN report_kind INTEGER;
  ALTER TABLE ledger ADD COLUMN error_code TEXT;
  ALTER TABLE ledger ADD COLUMN retries INTEGER;
  ALTER TABLE ledger ADD COLUMN saved_in_nano_usd INTEGER;
  ALTER TABLE ledger ADD COLUMN outcome TEXT;
  CREATE TEMP TABLE ledger_report_backfill AS
    SELECT sequence, task_type, team, key_id, end_user, tier, model, requested_model, tags_json,
      json_array(task_type, team, key_id, tier, model, requested_model, tags_json) AS attribution_key,
      CASE
        WHEN type = 'task-finish' THEN 0
        WHEN type IN ('reservation-commit', 'cache-serve') AND status IN ('ok', 'cached') AND request_id IS NOT NULL
          AND coalesce(retries, 0) = 0 AND coalesce(fallbacks, 0) = 0 THEN 1
        WHEN type IN ('reservation-commit', 'reservation-release', 'call-refuse', 'cache-serve') THEN 2
      END AS report_kind,
      error_code, retries, saved_in_nano_usd, outcome
    FROM (
      SELECT sequence, type, status, request_id, model,
        CASE WHEN json_type(event_json, '$.taskType') = 'text' THEN json_extract(event_json, '$.taskType') END AS task_type,
        CASE WHEN json_type(event_json, '$.team') = 'text' THEN json_extract(event_json, '$.team') END AS team,
        CASE WHEN json_type(event_json, '$.keyId') = 'text' THEN json_extract(event_json, '$.keyId') END AS key_id,
        CASE WHEN json_type(event_json, '$.user') = 'text' THEN json_extract(event_json, '$.user') END AS end_user,
        CASE WHEN json_type(event_json, '$.data.tier') = 'text' THEN json_extract(event_json, '$.data.tier') END AS tier,
        CASE WHEN json_type(event_json, '$.requestedModel') = 'text' THEN json_extract(event_json, '$.requestedModel') END AS requested_model,
        CASE WHEN json_type(event_json, '$.tags') = 'object' THEN json_extract(event_json, '$.tags') END AS tags_json,
        CASE WHEN json_type(event_json, '$.errorCode') = 'text' THEN json_extract(event_json, '$.errorCode') END AS error_code,
        CASE WHEN json_type(event_json, '$.retries') IN ('integer', 'real') THEN json_extract(event_json, '$.retries') END AS retries,
        CASE WHEN json_type(event_json, '$.data.fallbacks') IN ('integer', 'real') THEN json_extract(event_json, '$.data.fallbacks') END AS fallbacks,
        CASE WHEN json_type(event_json, '$.data.savedInNanoUsd') IN ('integer', 'real') THEN json_extract(event_json, '$.data.savedInNanoUsd') END AS saved_in_nano_usd,
        CASE WHEN json_type(event_json, '$.data.outcome') = 'text' THEN json_extract(event_json, '$.data.outcome') END AS outcome
      FROM ledger WHERE json_valid(event_json)
    );
  INSERT OR IGNORE INTO ledger_attributions (attribution_key, task_type, team, key_id, tier, model, requested_model, tags_json)
    SELECT attribution_key, task_type, team, key_id, tier, model, requested_model, tags_json FROM ledger_report_backfill;
  UPDATE ledger SET attribution_id = attribution.id, end_user = backfill.end_user, report_kind = backfill.report_kind, error_code = backfill.error_code,
      retries = backfill.retries, saved_in_nano_usd = backfill.saved_in_nano_usd, outcome = backfill.outcome
    FROM ledger_report_backfill AS backfill JOIN ledger_attributions AS attribution ON attribution.attribution_key = backfill.attribution_key
    WHERE ledger.sequence = backfill.sequence;
  DROP TABLE ledger_report_backfill;
  CREATE INDEX ledger_for_reports ON ledger (
    task_id, attribution_id, end_user, (time_in_ms / 86400000), report_kind,
    time_in_ms, type, request_id, status, retries, cost_in_nano_usd, saved_in_nano_usd, error_code
  ) WHERE report_kind IN (1, 2);
  CREATE INDEX ledger_task_finishes ON ledger (task_id, time_in_ms, sequence, outcome) WHERE report_kind = 0;
  `,
];

export interface OpenSqliteDatabaseOptions {
  path: string;
  busyTimeoutInMs: number;
}

/** Opens the file in WAL mode and brings its schema up to date. */
export function openSqliteDatabase(options: OpenSqliteDatabaseOptions): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(options.path, { timeout: options.busyTimeoutInMs });
  } catch (cause) {
    throw new WardenError('store_unavailable', `Could not open the SQLite database "${options.path}"; check that its directory exists and is writable.`, {
      cause,
    });
  }
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode never corrupts; a power cut may lose the last commits, a process crash does not.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutInMs))}`);
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function migrate(db: Database.Database): void {
  const apply = db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > sqliteMigrations.length) {
      throw new WardenError(
        'store_unavailable',
        `The SQLite database is at schema version ${version}, newer than this Warden knows (${sqliteMigrations.length}); upgrade Warden or point it at another file.`,
      );
    }
    for (let step = version; step < sqliteMigrations.length; step += 1) {
      db.exec(sqliteMigrations[step] as string);
    }
    db.pragma(`user_version = ${sqliteMigrations.length}`);
  });
  apply.immediate();
}
