import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { LedgerEvent } from '../../src/core/ledger-event.js';
import type { LedgerScanQuery, LedgerScanRow } from '../../src/core/ledger-scan.js';
import type { Store } from '../../src/core/store.js';
import type { MakeStore } from './contract-fixtures.js';

const usage = { inputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWriteLongTokens: 0, outputTokens: 5, reasoningTokens: 0 };

const events: LedgerEvent[] = [
  {
    type: 'reservation-commit',
    timeInMs: 2_000,
    requestId: 'q1',
    taskId: 't1',
    taskType: 'search',
    keyId: 'k1',
    team: 'research',
    user: 'ada',
    tags: { feature: 'lookup', 'env.name': 'prod' },
    requestedModel: 'fast',
    model: 'gpt-4o-mini',
    usage,
    costInNanoUsd: 420,
    status: 'ok',
    retries: 2,
    data: { tier: 'fast', reservationId: 'r1' },
  },
  { type: 'call-refuse', timeInMs: 1_000, requestId: 'q2', requestedModel: 'gpt-4o', status: 'refused', errorCode: 'budget_exceeded', data: { message: 'no' } },
  { type: 'cache-serve', timeInMs: 3_000, requestId: 'q3', model: 'gpt-4o-mini', costInNanoUsd: 0, status: 'cached', data: { savedInNanoUsd: 777, tier: 7 } },
  { type: 'task-finish', timeInMs: 3_000, taskId: 't1', data: { outcome: 'success', note: 'done' } },
  { type: 'reservation-create', timeInMs: 2_500, requestId: 'q4', reservedInNanoUsd: 9 },
  { type: 'reservation-commit', timeInMs: 4_000, requestId: 'q5', costInNanoUsd: 1, status: 'ok' },
];

const blank: Omit<LedgerScanRow, 'sequence' | 'type' | 'timeInMs'> = {
  requestId: null,
  taskId: null,
  taskType: null,
  keyId: null,
  team: null,
  user: null,
  model: null,
  requestedModel: null,
  costInNanoUsd: null,
  status: null,
  errorCode: null,
  retries: null,
  tier: null,
  savedInNanoUsd: null,
  outcome: null,
  tag: null,
};

async function scanAll(store: Store, query: LedgerScanQuery): Promise<{ batches: number[]; rows: LedgerScanRow[] }> {
  const batches: number[] = [];
  const rows: LedgerScanRow[] = [];
  for await (const batch of store.scanLedger(query)) {
    batches.push(batch.length);
    rows.push(...batch);
  }
  return { batches, rows };
}

const withoutSequence = ({ sequence, ...row }: LedgerScanRow): Omit<LedgerScanRow, 'sequence'> => row;

/** scanLedger: the report fields of the rows selected, in time order, in batches. */
export function describeLedgerScanCases(openStore: MakeStore, track: (store: Store) => Store): void {
  let store: Store;

  beforeEach(async () => {
    store = track(await openStore(createManualClock(10_000)));
  });

  describe('ledger scan', () => {
    it('returns the report fields of the selected types in [since, until), in time order, absent fields as null', async () => {
      await store.append(events);
      const { rows } = await scanAll(store, { types: ['reservation-commit', 'call-refuse', 'cache-serve', 'task-finish'], sinceInMs: 1_000, untilInMs: 4_000, tagName: 'feature' });
      const found = rows.map(withoutSequence);
      expect(found.slice(0, 2)).toEqual([
        { ...blank, type: 'call-refuse', timeInMs: 1_000, requestId: 'q2', requestedModel: 'gpt-4o', status: 'refused', errorCode: 'budget_exceeded' },
        {
          ...blank,
          type: 'reservation-commit',
          timeInMs: 2_000,
          requestId: 'q1',
          taskId: 't1',
          taskType: 'search',
          keyId: 'k1',
          team: 'research',
          user: 'ada',
          model: 'gpt-4o-mini',
          requestedModel: 'fast',
          costInNanoUsd: 420,
          status: 'ok',
          retries: 2,
          tier: 'fast',
          tag: 'lookup',
        },
      ]);
      // Rows of one millisecond may come in either order; a tier that is not a string counts as none.
      expect(found.slice(2).sort((left, right) => left.type.localeCompare(right.type))).toEqual([
        { ...blank, type: 'cache-serve', timeInMs: 3_000, requestId: 'q3', model: 'gpt-4o-mini', costInNanoUsd: 0, status: 'cached', savedInNanoUsd: 777 },
        { ...blank, type: 'task-finish', timeInMs: 3_000, taskId: 't1', outcome: 'success' },
      ]);
      const stored = await store.query({});
      for (const row of rows) expect(row.sequence).toBe(stored.find((candidate) => candidate.type === row.type && candidate.timeInMs === row.timeInMs)?.sequence);
    });

    it('reads a tag whose name has a dot, and null where a row lacks it or no tag was asked for', async () => {
      await store.append(events);
      const tagged = await scanAll(store, { types: ['reservation-commit'], tagName: 'env.name' });
      expect(tagged.rows.map((row) => row.tag)).toEqual(['prod', null]);
      const untagged = await scanAll(store, { types: ['reservation-commit'] });
      expect(untagged.rows.map((row) => row.tag)).toEqual([null, null]);
    });

    it('yields batches of at most batchSize that together hold every row once, even across rows of the same millisecond', async () => {
      const sameTime: LedgerEvent[] = Array.from({ length: 7 }, (_, index) => ({ type: 'reservation-commit', timeInMs: index < 5 ? 5_000 : 5_001, requestId: `q${index}`, costInNanoUsd: index, status: 'ok' }));
      await store.append(sameTime);
      const whole = await scanAll(store, { types: ['reservation-commit'] });
      const { batches, rows } = await scanAll(store, { types: ['reservation-commit'], batchSize: 2 });
      expect(batches).toEqual([2, 2, 2, 1]);
      expect(rows).toEqual(whole.rows);
      expect(rows.map((row) => row.requestId).sort()).toEqual(sameTime.map((event) => event.requestId).sort());
      expect(rows.slice(5).map((row) => row.timeInMs)).toEqual([5_001, 5_001]);
      expect((await scanAll(store, { types: [] })).batches).toEqual([]);
      expect((await scanAll(store, { types: ['reservation-commit'], sinceInMs: 6_000 })).batches).toEqual([]);
    });

    it('lets the ledger take writes between batches', async () => {
      await store.append(events);
      const scan = store.scanLedger({ types: ['reservation-commit', 'call-refuse'], untilInMs: 5_000, batchSize: 1 })[Symbol.asyncIterator]();
      const first = await scan.next();
      await store.append([{ type: 'reservation-commit', timeInMs: 9_000, requestId: 'late', costInNanoUsd: 5, status: 'ok' }]);
      await store.flush();
      const rest: string[] = [];
      for (let next = await scan.next(); next.done !== true; next = await scan.next()) rest.push(...next.value.map((row) => row.requestId ?? ''));
      expect([first.value?.[0]?.requestId, ...rest]).toEqual(['q2', 'q1', 'q5']);
      expect((await store.query({ requestId: 'late' })).length).toBe(1);
    });
  });
}
