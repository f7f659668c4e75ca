import type Database from 'better-sqlite3';
import type { ReportAttribution } from '../ledger-scan-row.js';

const cacheLimit = 100_000;

/**
 * The ledger_attributions table: each distinct attribution (task type, team, key, tier, models,
 * tags; the end user has a column of its own, having too many values) once, with an id ledger rows point to, so a report groups rows by one integer.
 * Ids are cached in this process; other processes writing the same file get the same ids from the table.
 */
export class SqliteLedgerAttributions {
  private readonly ids = new Map<string, number>();
  private readonly insert: Database.Statement;
  private readonly find: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare(`
      INSERT INTO ledger_attributions (attribution_key, task_type, team, key_id, tier, model, requested_model, tags_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (attribution_key) DO NOTHING`);
    this.find = db.prepare('SELECT id FROM ledger_attributions WHERE attribution_key = ?').pluck();
  }

  /** The key of an attribution: its fields as a JSON array, the same text the migration builds with json_array. */
  static keyOf(attribution: LedgerAttribution): string {
    return JSON.stringify([attribution.taskType, attribution.team, attribution.keyId, attribution.tier, attribution.model, attribution.requestedModel, attribution.tagsJson]);
  }

  /** The attribution's id, filed first if new; call inside the write transaction. */
  idFor(key: string, attribution: LedgerAttribution): number {
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    this.insert.run(key, attribution.taskType, attribution.team, attribution.keyId, attribution.tier, attribution.model, attribution.requestedModel, attribution.tagsJson);
    const id = this.find.get(key) as number;
    if (this.ids.size >= cacheLimit) this.ids.clear();
    this.ids.set(key, id);
    return id;
  }

  /** After a rolled-back write: ids filed in it are gone, so none may stay cached. */
  forget(): void {
    this.ids.clear();
  }

}

/** Every attribution by id, for a report (the table holds one row per distinct attribution). */
export function readLedgerAttributions(db: Database.Database): Map<number, LedgerAttribution> {
  const rows = db.prepare('SELECT id, task_type, team, key_id, tier, model, requested_model, tags_json FROM ledger_attributions').raw().all() as Array<[number, string | null, string | null, string | null, string | null, string | null, string | null, string | null]>;
  return new Map(rows.map(([id, taskType, team, keyId, tier, model, requestedModel, tagsJson]) => [id, { taskType, team, keyId, tier, model, requestedModel, tagsJson }]));
}

/** An attribution as the table holds it: the report attribution without the user. */
export type LedgerAttribution = Omit<ReportAttribution, 'user'>;
