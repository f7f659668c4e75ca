import type Database from 'better-sqlite3';
import type { CachedResponse, KillSwitch, KillTarget, VirtualKeyRecord } from '../../core/control-records.js';
import type { ControlRecords } from '../control-methods.js';
import { duplicateKeyHashError } from '../duplicate-key-hash-error.js';
import { sqliteAttempt as attempt } from './sqlite-attempt.js';

interface KeyRow {
  id: string;
  hash: string;
  created_at_in_ms: number;
  revoked_at_in_ms: number | null;
  key_json: string;
}

interface KillSwitchRow {
  target: string;
  at_in_ms: number;
  switch_json: string;
}

interface CachedResponseRow {
  response_key: string;
  expires_at_in_ms: number;
  response_json: string;
}

type KeyJson = Omit<VirtualKeyRecord, 'id' | 'hash' | 'createdAtInMs' | 'revokedAtInMs'>;
type KillSwitchJson = Omit<KillSwitch, 'target' | 'atInMs'>;
type CachedResponseJson = Omit<CachedResponse, 'key' | 'expiresAtInMs'>;

const keyColumns = 'id, hash, created_at_in_ms, revoked_at_in_ms, key_json';

/**
 * Virtual keys, kill switches and cached responses in SQLite. Every write is its own autocommit
 * statement, so it is in the file when the call returns; nothing here is batched.
 */
export class SqliteControl implements ControlRecords {
  private readonly statements: ControlStatements;

  constructor(db: Database.Database) {
    this.statements = prepareControlStatements(db);
  }

  putKey(key: VirtualKeyRecord): void {
    const holder = this.findKeyByHash(key.hash);
    if (holder !== undefined && holder.id !== key.id) throw duplicateKeyHashError(key.id, holder.id);
    const { id, hash, createdAtInMs, revokedAtInMs, ...rest } = key;
    const json: KeyJson = rest;
    attempt(`Could not save key "${id}" in SQLite; check the database file, then retry.`, () =>
      this.statements.putKey.run(id, hash, createdAtInMs, revokedAtInMs ?? null, JSON.stringify(json)),
    );
  }

  findKeyByHash(hash: string): VirtualKeyRecord | undefined {
    const row = attempt('Could not look up a key by hash in SQLite; check the database file, then retry.', () => this.statements.findKeyByHash.get(hash));
    return row === undefined ? undefined : toKey(row);
  }

  findKeyById(id: string): VirtualKeyRecord | undefined {
    const row = attempt(`Could not look up key "${id}" in SQLite; check the database file, then retry.`, () => this.statements.findKeyById.get(id));
    return row === undefined ? undefined : toKey(row);
  }

  listKeys(): VirtualKeyRecord[] {
    return attempt('Could not list keys in SQLite; check the database file, then retry.', () => this.statements.listKeys.all()).map(toKey);
  }

  setKillSwitch(killSwitch: KillSwitch): void {
    const { target, atInMs, ...rest } = killSwitch;
    const json: KillSwitchJson = rest;
    attempt(`Could not turn on the kill switch for "${target}" in SQLite; check the database file, then retry.`, () =>
      this.statements.setKillSwitch.run(target, atInMs, JSON.stringify(json)),
    );
  }

  clearKillSwitch(target: KillTarget): boolean {
    const result = attempt(`Could not turn off the kill switch for "${target}" in SQLite; check the database file, then retry.`, () =>
      this.statements.clearKillSwitch.run(target),
    );
    return result.changes > 0;
  }

  /** Ordered by when each was turned on, then by target. */
  listKillSwitches(): KillSwitch[] {
    const rows = attempt('Could not list kill switches in SQLite; check the database file, then retry.', () => this.statements.listKillSwitches.all());
    return rows.map((row) => ({ target: row.target as KillTarget, ...(JSON.parse(row.switch_json) as KillSwitchJson), atInMs: row.at_in_ms }));
  }

  getCachedResponse(key: string, nowInMs: number): CachedResponse | undefined {
    const row = attempt('Could not read the response cache in SQLite; check the database file, then retry.', () =>
      this.statements.getCachedResponse.get(key, nowInMs),
    );
    if (row === undefined) return undefined;
    return { key: row.response_key, ...(JSON.parse(row.response_json) as CachedResponseJson), expiresAtInMs: row.expires_at_in_ms };
  }

  putCachedResponse(entry: CachedResponse): void {
    const { key, expiresAtInMs, ...rest } = entry;
    const json: CachedResponseJson = rest;
    attempt('Could not write to the response cache in SQLite; check the database file, then retry.', () =>
      this.statements.putCachedResponse.run(key, expiresAtInMs, JSON.stringify(json)),
    );
  }

  /** Deletes responses expired at `nowInMs`; returns how many. */
  pruneExpiredResponses(nowInMs: number): number {
    const result = attempt('Could not drop expired cached responses in SQLite; check the database file, then retry.', () =>
      this.statements.deleteExpiredResponses.run(nowInMs),
    );
    return result.changes;
  }
}

type ControlStatements = ReturnType<typeof prepareControlStatements>;

function prepareControlStatements(db: Database.Database) {
  return {
    putKey: db.prepare<[string, string, number, number | null, string]>(`
      INSERT INTO virtual_keys (${keyColumns}) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, created_at_in_ms = excluded.created_at_in_ms,
        revoked_at_in_ms = excluded.revoked_at_in_ms, key_json = excluded.key_json`),
    findKeyByHash: db.prepare<[string], KeyRow>(`SELECT ${keyColumns} FROM virtual_keys WHERE hash = ?`),
    findKeyById: db.prepare<[string], KeyRow>(`SELECT ${keyColumns} FROM virtual_keys WHERE id = ?`),
    listKeys: db.prepare<[], KeyRow>(`SELECT ${keyColumns} FROM virtual_keys ORDER BY created_at_in_ms, sequence`),
    setKillSwitch: db.prepare<[string, number, string]>(`
      INSERT INTO kill_switches (target, at_in_ms, switch_json) VALUES (?, ?, ?)
      ON CONFLICT (target) DO UPDATE SET at_in_ms = excluded.at_in_ms, switch_json = excluded.switch_json`),
    clearKillSwitch: db.prepare<[string]>('DELETE FROM kill_switches WHERE target = ?'),
    listKillSwitches: db.prepare<[], KillSwitchRow>('SELECT target, at_in_ms, switch_json FROM kill_switches ORDER BY at_in_ms, target'),
    getCachedResponse: db.prepare<[string, number], CachedResponseRow>(
      'SELECT response_key, expires_at_in_ms, response_json FROM cached_responses WHERE response_key = ? AND expires_at_in_ms > ?',
    ),
    putCachedResponse: db.prepare<[string, number, string]>(`
      INSERT INTO cached_responses (response_key, expires_at_in_ms, response_json) VALUES (?, ?, ?)
      ON CONFLICT (response_key) DO UPDATE SET expires_at_in_ms = excluded.expires_at_in_ms, response_json = excluded.response_json`),
    deleteExpiredResponses: db.prepare<[number]>('DELETE FROM cached_responses WHERE expires_at_in_ms <= ?'),
  };
}

function toKey(row: KeyRow): VirtualKeyRecord {
  const key: VirtualKeyRecord = { id: row.id, hash: row.hash, ...(JSON.parse(row.key_json) as KeyJson), createdAtInMs: row.created_at_in_ms };
  if (row.revoked_at_in_ms !== null) key.revokedAtInMs = row.revoked_at_in_ms;
  return key;
}
