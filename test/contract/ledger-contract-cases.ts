import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { LedgerEvent } from '../../src/core/ledger-event.js';
import type { Store } from '../../src/core/store.js';
import type { MakeStore, ManualClock } from './contract-fixtures.js';

const events: LedgerEvent[] = [
  { type: 'reservation-create', timeInMs: 100, requestId: 'q1', taskId: 't1', keyId: 'k1', reservedInNanoUsd: 500 },
  {
    type: 'reservation-commit',
    timeInMs: 150,
    requestId: 'q1',
    taskId: 't1',
    keyId: 'k1',
    model: 'gpt-4o-mini',
    costInNanoUsd: 420,
    status: 'ok',
    usage: { inputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWriteLongTokens: 0, outputTokens: 5, reasoningTokens: 0 },
    tags: { feature: 'search' },
  },
  { type: 'reservation-create', timeInMs: 200, requestId: 'q2', taskId: 't2', keyId: 'k2' },
  { type: 'call-refuse', timeInMs: 250, requestId: 'q3', taskId: 't1', keyId: 'k2', status: 'refused', errorCode: 'budget_exceeded' },
  { type: 'budget-cross', timeInMs: 300, keyId: 'k1', data: { scope: 'team:research', stage: 0.8 } },
];

/** Append and query: the ledger half of the Store contract. */
export function describeLedgerCases(openStore: MakeStore, track: (store: Store) => Store): void {
  let clock: ManualClock;
  let store: Store;

  beforeEach(async () => {
    clock = createManualClock(1_000);
    store = track(await openStore(clock));
  });

  describe('ledger', () => {
    it('returns appended events in order with increasing sequences, unchanged', async () => {
      await Promise.all([store.append(events.slice(0, 2)), store.append(events.slice(2))]);
      const rows = await store.query({});
      expect(rows.map(({ sequence, ...event }) => event)).toEqual(events);
      const sequences = rows.map((row) => row.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(new Set(sequences).size).toBe(events.length);
    });

    it('filters by type, request, task, key and time, and tails by sequence with a limit', async () => {
      await store.append(events);
      const labels = async (query: Parameters<Store['query']>[0]): Promise<Array<string | undefined>> =>
        (await store.query(query)).map((row) => `${row.type}@${row.timeInMs}`);
      expect(await labels({ types: ['reservation-create'] })).toEqual(['reservation-create@100', 'reservation-create@200']);
      expect(await labels({ types: ['call-refuse', 'budget-cross'] })).toEqual(['call-refuse@250', 'budget-cross@300']);
      expect(await labels({ requestId: 'q1' })).toEqual(['reservation-create@100', 'reservation-commit@150']);
      expect(await labels({ taskId: 't1', keyId: 'k2' })).toEqual(['call-refuse@250']);
      expect(await labels({ keyId: 'k1', types: [] })).toEqual(['reservation-create@100', 'reservation-commit@150', 'budget-cross@300']);
      expect(await labels({ sinceInMs: 150, untilInMs: 250 })).toEqual(['reservation-commit@150', 'reservation-create@200']);
      const all = await store.query({});
      const afterSecond = await store.query({ afterSequence: all[1]?.sequence, limit: 2 });
      expect(afterSecond).toEqual(all.slice(2, 4));
      expect(await store.query({ limit: 0 })).toEqual([]);
    });

    it('keeps numbering after earlier rows when more are appended', async () => {
      await store.append(events.slice(0, 3));
      const [last] = (await store.query({})).slice(-1);
      await store.append(events.slice(3));
      const tail = await store.query({ afterSequence: last?.sequence });
      expect(tail.map((row) => row.type)).toEqual(['call-refuse', 'budget-cross']);
      expect(tail[0]?.sequence).toBeGreaterThan(last?.sequence ?? Number.POSITIVE_INFINITY);
    });

    it('defaults a missing time to the clock', async () => {
      clock.set(4_242);
      await store.append([{ type: 'call-retry', requestId: 'q9' } as LedgerEvent]);
      expect((await store.query({ requestId: 'q9' }))[0]?.timeInMs).toBe(4_242);
    });
  });
}
