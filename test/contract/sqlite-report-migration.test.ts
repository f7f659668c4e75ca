import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/ledger-event.js';
import type { LedgerScanRow } from '../../src/core/ledger-scan.js';
import { buildCostReport } from '../../src/reports/build-cost-report.js';
import { sqliteMigrations } from '../../src/stores/sqlite/sqlite-schema.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { expectedByTaskType, reportLedgerEvents, reportPeriod } from '../support/report-ledger.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-sqlite-report-migration-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const reportStep = sqliteMigrations.findIndex((step) => step.includes('ledger_for_reports'));

/** A file as the Warden before the report columns left it: every earlier step, rows with only the old columns. */
function fileBeforeReportColumns(path: string, events: readonly LedgerEvent[]): void {
  const db = new Database(path);
  for (const step of sqliteMigrations.slice(0, reportStep)) db.exec(step);
  db.pragma(`user_version = ${reportStep}`);
  const insert = db.prepare('INSERT INTO ledger (time_in_ms, type, request_id, task_id, key_id, team, model, cost_in_nano_usd, status, event_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  for (const event of events) {
    insert.run(event.timeInMs, event.type, event.requestId ?? null, event.taskId ?? null, event.keyId ?? null, event.team ?? null, event.model ?? null, event.costInNanoUsd ?? null, event.status ?? null, JSON.stringify(event));
  }
  db.close();
}

describe('SQLite report migration', () => {
  it('opens a file written before it and fills the report fields of its rows from their events', async () => {
    expect(reportStep).toBeGreaterThan(0);
    const path = join(directory, 'old.db');
    fileBeforeReportColumns(path, [
      { type: 'reservation-commit', timeInMs: 1_000, requestId: 'q1', taskId: 't1', taskType: 'search', user: 'ada', requestedModel: 'fast', model: 'gpt-4o-mini', costInNanoUsd: 42, status: 'ok', retries: 1, tags: { feature: 'lookup' }, data: { tier: 'fast' } },
      { type: 'call-refuse', timeInMs: 2_000, requestId: 'q2', status: 'refused', errorCode: 'budget_exceeded' },
      { type: 'cache-serve', timeInMs: 3_000, requestId: 'q3', status: 'cached', costInNanoUsd: 0, data: { savedInNanoUsd: 9 } },
      { type: 'task-finish', timeInMs: 4_000, taskId: 't1', data: { outcome: 'failure' } },
    ]);
    const store = createSqliteStore({ path, pruneIntervalInMs: 0 });
    try {
      const rows: Array<Omit<LedgerScanRow, 'sequence'>> = [];
      for await (const batch of store.scanLedger({ types: ['reservation-commit', 'call-refuse', 'cache-serve', 'task-finish'], tagName: 'feature' })) rows.push(...batch.map(({ sequence, ...row }) => row));
      expect(rows.map((row) => [row.type, row.taskType, row.user, row.requestedModel, row.errorCode, row.retries, row.tier, row.savedInNanoUsd, row.outcome, row.tag])).toEqual([
        ['reservation-commit', 'search', 'ada', 'fast', null, 1, 'fast', null, null, 'lookup'],
        ['call-refuse', null, null, null, 'budget_exceeded', null, null, null, null, null],
        ['cache-serve', null, null, null, null, null, null, 9, null, null],
        ['task-finish', null, null, null, null, null, null, null, 'failure', null],
      ]);
      expect((await store.query({})).map((row) => row.type)).toEqual(['reservation-commit', 'call-refuse', 'cache-serve', 'task-finish']);
    } finally {
      await store.close();
    }
    const reader = new Database(path, { readonly: true });
    expect(reader.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
    reader.close();
  });

  it('reports on rows written before it exactly as on rows written after', async () => {
    const path = join(directory, 'fixture.db');
    fileBeforeReportColumns(path, reportLedgerEvents());
    const store = createSqliteStore({ path, pruneIntervalInMs: 0 });
    try {
      expect(await buildCostReport({ store, by: { kind: 'task-type' }, ...reportPeriod })).toEqual(expectedByTaskType);
    } finally {
      await store.close();
    }
  });
});
