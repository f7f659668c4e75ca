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
