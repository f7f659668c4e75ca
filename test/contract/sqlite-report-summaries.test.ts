import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/ledger-event.js';
import { buildCostReport } from '../../src/reports/build-cost-report.js';
import { parseReportDimension } from '../../src/reports/report-dimension.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { expectedByTaskType, reportLedgerEvents, reportPeriod } from '../support/report-ledger.js';
import { createSeededRandom } from '../../src/core/seeded-random.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-sqlite-report-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

const dayInMs = 86_400_000;
const dimensions = ['task-type', 'team', 'key', 'user', 'model', 'tier', 'tag:feature'].map((text) => parseReportDimension(text));

/**
 * Calls as the gateway and the SDK write them: plain answers and cache hits, retries (a failed
 * attempt, then one with retries > 0), fallbacks (a refusal or failure on one model, then an
 * attempt on another with data.fallbacks), refusals alone and after a failed attempt, cut
 * streams; tasks whose calls change user, tier or UTC day, calls without a task, outcomes.
 */
function randomLedger(seed: number): LedgerEvent[] {
  const random = createSeededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const events: LedgerEvent[] = [];
  let time = reportPeriod.sinceInMs - 2 * dayInMs;
  for (let task = 0; task < 60; task += 1) {
    const taskId = random() < 0.15 ? undefined : `t${task}`;
    const attribution = { taskType: pick(['search', 'write', undefined]), team: pick(['alpha', 'beta']), keyId: pick(['k1', 'k2']) };
    for (let call = 0; call < 1 + Math.floor(random() * 6); call += 1) {
      time += Math.floor(random() * 0.3 * dayInMs);
      const requestId = `q${task}-${call}`;
      const base = {
        ...attribution,
        ...(taskId === undefined ? {} : { taskId }),
        ...(random() < 0.8 ? { user: pick(['u1', 'u2', 'u3']) } : {}),
        ...(random() < 0.7 ? { tags: { feature: pick(['a', 'b']) } } : {}),
        requestId,
        requestedModel: 'fast',
        model: pick(['m1', 'm2']),
      };
      const tier = random() < 0.5 ? { tier: pick(['fast', 'premium']) } : {};
      const cost = 1 + Math.floor(random() * 5_000);
      const shape = random();
      if (shape < 0.45) events.push({ ...base, type: 'reservation-commit', timeInMs: time, costInNanoUsd: cost, status: 'ok', retries: 0, data: { ...tier } });
      else if (shape < 0.55) events.push({ ...base, type: 'cache-serve', timeInMs: time, costInNanoUsd: 0, status: 'cached', data: { savedInNanoUsd: cost, ...tier } });
      else if (shape < 0.65) {
        events.push({ ...base, type: 'reservation-release', timeInMs: time, costInNanoUsd: 0, status: 'upstream_error', errorCode: 'http_503', retries: 0, data: { ...tier } });
        events.push({ ...base, type: 'call-retry', timeInMs: time + 1, retries: 0 });
        events.push({ ...base, type: 'reservation-commit', timeInMs: time + 2, costInNanoUsd: cost, status: 'ok', retries: 1, data: { ...tier } });
      } else if (shape < 0.75) {
        events.push({ ...base, type: 'call-refuse', timeInMs: time, model: undefined, status: 'refused', errorCode: 'budget_exceeded' } as LedgerEvent);
        events.push({ ...base, type: 'reservation-commit', timeInMs: time + 3, model: 'm3', costInNanoUsd: cost, status: 'ok', retries: 0, data: { fallbacks: 1, ...tier } });
      } else if (shape < 0.85) events.push({ ...base, type: 'call-refuse', timeInMs: time, status: 'refused', errorCode: pick(['budget_exceeded', 'kill_switch', 'call_limit_exceeded']) });
      else if (shape < 0.92) {
        events.push({ ...base, type: 'reservation-commit', timeInMs: time, costInNanoUsd: cost, status: 'upstream_error', errorCode: 'http_500', retries: 0, data: { ...tier } });
        events.push({ ...base, type: 'call-refuse', timeInMs: time + 1, status: 'refused', errorCode: 'retry_budget_exhausted' });
      } else events.push({ ...base, type: 'reservation-commit', timeInMs: time, costInNanoUsd: cost, status: 'client_disconnected', retries: 0, data: { ...tier } });
    }
    if (taskId !== undefined && random() < 0.7) {
      const finishAt = time + (random() < 0.2 ? 0 : 10);
      events.push({ type: 'task-finish', timeInMs: finishAt, taskId, data: { outcome: pick(['success', 'failure']) } });
      if (random() < 0.3) events.push({ type: 'task-finish', timeInMs: finishAt, taskId, ...attribution, data: { outcome: pick(['success', 'failure', 'unsure']) } });
    }
  }
  return events;
}

async function reportsFromBoth(events: LedgerEvent[]) {
  const memory = createMemoryStore({ pruneIntervalInMs: 0 });
  const sqlite = createSqliteStore({ path: join(directory, `ledger-${(files += 1)}.db`), pruneIntervalInMs: 0 });
  try {
    await Promise.all([memory.append(events), sqlite.append(events)]);
    expect(sqlite.summarizeLedger).toBeDefined();
    const results = [];
    for (const by of dimensions) {
      results.push({
        rows: await buildCostReport({ store: memory, by, ...reportPeriod }),
        summaries: await buildCostReport({ store: sqlite, by, ...reportPeriod }),
        sqliteRows: await buildCostReport({ store: { scanLedger: (query) => sqlite.scanLedger(query) }, by, ...reportPeriod }),
      });
    }
    return results;
  } finally {
    await Promise.all([memory.close(), sqlite.close()]);
  }
}

describe('SQLite report summaries', () => {
  it('give the exact figures of the known ledger', async () => {
    const [byTaskType] = await reportsFromBoth(reportLedgerEvents());
    expect(byTaskType?.summaries).toEqual(expectedByTaskType);
  });

  it.each([1, 2, 3, 4, 5, 6])('give the same report as reading every row, for every grouping (random ledger %i)', async (seed) => {
    const events = randomLedger(seed);
    for (const { rows, summaries, sqliteRows } of await reportsFromBoth(events)) {
      expect(rows.total.calls).toBeGreaterThan(50);
      expect(summaries).toEqual(rows);
      expect(sqliteRows).toEqual(rows);
    }
  });

  it('counts the rows first when asked, for a progress bar, and reports progress up to 1', async () => {
    const sqlite = createSqliteStore({ path: join(directory, `ledger-${(files += 1)}.db`), pruneIntervalInMs: 0 });
    try {
      await sqlite.append(reportLedgerEvents());
      const seen: number[] = [];
      const report = await buildCostReport({ store: sqlite, by: { kind: 'team' }, ...reportPeriod, onProgress: (fraction) => seen.push(fraction) });
      expect(seen.at(-1)).toBe(1);
      expect(report.rowsScanned).toBe(expectedByTaskType.rowsScanned);
    } finally {
      await sqlite.close();
    }
  });
});
