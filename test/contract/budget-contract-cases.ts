import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { BudgetLine, Store } from '../../src/core/store.js';
import { parseConfig } from '../../src/core/parse-config.js';
import { resolveBudgetLines } from '../../src/core/resolve-budget-lines.js';
import { budgetLine, reserveRequest, type MakeStore, type ManualClock } from './contract-fixtures.js';

/** Reserve, commit, release, expiry, snapshot and marks: the budget half of the Store contract. */
export function describeBudgetCases(openStore: MakeStore, track: (store: Store) => Store): void {
  let clock: ManualClock;
  let store: Store;

  beforeEach(async () => {
    clock = createManualClock(1_000);
    store = track(await openStore(clock));
  });

  describe('reserve', () => {
    it('admits exactly the affordable reserves among 50 concurrent ones', async () => {
      const line = budgetLine('research', { limitInNanoUsd: 10 });
      const results = await Promise.all(Array.from({ length: 50 }, (_, index) => store.reserve(reserveRequest(`r${index}`, [line], 1))));
      expect(results.filter((result) => result.ok)).toHaveLength(10);
      for (const result of results.filter((result) => !result.ok)) expect(result).toMatchObject({ ok: false, reason: 'money' });
      const [state] = await store.snapshot([line]);
      expect(state).toMatchObject({ reservedInNanoUsd: 10, committedInNanoUsd: 0, calls: 10 });
    });

    it('fills overlapping lines to their limits without overshoot or false refusals', async () => {
      const team = budgetLine('team', { limitInNanoUsd: 15 });
      const key = budgetLine('key', { limitInNanoUsd: 10 });
      const requests = Array.from({ length: 60 }, (_, index) =>
        store.reserve(reserveRequest(`r${index}`, index % 2 === 0 ? [team, key] : [team], 1)),
      );
      const results = await Promise.all(requests);
      const [teamState, keyState] = await store.snapshot([team, key]);
      expect(teamState?.reservedInNanoUsd).toBe(15);
      expect(keyState?.reservedInNanoUsd).toBeLessThanOrEqual(10);
      expect(results.filter((result, index) => result.ok && index % 2 === 0)).toHaveLength(keyState?.reservedInNanoUsd ?? -1);
    });

    it('is atomic across lines: a refusal on one line leaves the others unchanged', async () => {
      const roomy = budgetLine('roomy', { limitInNanoUsd: 100 });
      const tight = budgetLine('tight', { limitInNanoUsd: 5 });
      await store.reserve(reserveRequest('first', [tight], 4));
      const refusal = await store.reserve(reserveRequest('second', [roomy, tight], 3));
      expect(refusal).toEqual({
        ok: false,
        reason: 'money',
        line: tight,
        committedInNanoUsd: 0,
        reservedInNanoUsd: 4,
        calls: 1,
        requestedInNanoUsd: 3,
      });
      const states = await store.snapshot([roomy, tight]);
      expect(states.map((state) => [state.reservedInNanoUsd, state.calls])).toEqual([
        [0, 0],
        [4, 1],
      ]);
    });

    it('refuses on the first failing line in request order', async () => {
      const a = budgetLine('a', { limitInNanoUsd: 1 });
      const b = budgetLine('b', { limitInNanoUsd: 1 });
      const refusal = await store.reserve(reserveRequest('r', [a, b], 2));
      expect(refusal).toMatchObject({ ok: false, line: { key: a.key } });
    });

    it('enforces call limits and counts request.calls', async () => {
      const task = budgetLine('task', { callLimit: 3 });
      expect(await store.reserve({ ...reserveRequest('one', [task], 0), calls: 2 })).toMatchObject({ ok: true });
      expect(await store.reserve(reserveRequest('two', [task], 0))).toMatchObject({ ok: true });
      expect(await store.reserve(reserveRequest('three', [task], 0))).toMatchObject({ ok: false, reason: 'calls', calls: 3 });
      await store.release('one');
      expect(await store.reserve(reserveRequest('four', [task], 0))).toMatchObject({ ok: false, reason: 'calls' });
    });

    it('returns the existing reservation for a duplicate active id without reserving twice', async () => {
      const line = budgetLine('dup', { limitInNanoUsd: 10 });
      const first = await store.reserve(reserveRequest('same', [line], 4, 5_000));
      const second = await store.reserve(reserveRequest('same', [line], 7, 9_000));
      expect(second).toEqual(first);
      expect(first).toEqual({ ok: true, reservationId: 'same', amountInNanoUsd: 4, leaseExpiresAtInMs: 5_000 });
      expect((await store.snapshot([line]))[0]).toMatchObject({ reservedInNanoUsd: 4, calls: 1 });
    });

    it('stores the latest limits of a line', async () => {
      await store.reserve(reserveRequest('a', [budgetLine('limits', { limitInNanoUsd: 5 })], 1));
      await store.reserve(reserveRequest('b', [budgetLine('limits', { limitInNanoUsd: 20, callLimit: 9 })], 1));
      const [state] = await store.snapshot([budgetLine('limits').key]);
      expect(state).toMatchObject({ limitInNanoUsd: 20, callLimit: 9, reservedInNanoUsd: 2 });
    });

    it('rejects malformed requests with invalid_request and changes nothing', async () => {
      const line = budgetLine('bad', { limitInNanoUsd: 10 });
      await expect(store.reserve(reserveRequest('negative', [line], -1))).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(store.reserve(reserveRequest('fraction', [line], 1.5))).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(store.reserve(reserveRequest('twice', [line, line], 1))).rejects.toMatchObject({ code: 'invalid_request' });
      expect(await store.snapshot([line.key])).toEqual([]);
    });
  });

  describe('commit and release', () => {
    it('commit moves the reservation to committed, once', async () => {
      const lines = [budgetLine('x', { limitInNanoUsd: 100 }), budgetLine('y')];
      await store.reserve(reserveRequest('r', lines, 40));
      await store.reserve(reserveRequest('other', [lines[0] as BudgetLine], 30));
      expect(await store.commit({ reservationId: 'r', actualInNanoUsd: 25 })).toEqual({
        applied: true,
        leaseExpired: false,
        lines: [
          { key: lines[0]?.key, committedInNanoUsd: 25, reservedInNanoUsd: 30 },
          { key: lines[1]?.key, committedInNanoUsd: 25, reservedInNanoUsd: 0 },
        ],
      });
      expect(await store.commit({ reservationId: 'r', actualInNanoUsd: 25 })).toEqual({ applied: false, leaseExpired: false, lines: [] });
      await store.release('other');
      const states = await store.snapshot(lines);
      expect(states.map((state) => [state.committedInNanoUsd, state.reservedInNanoUsd])).toEqual([
        [25, 0],
        [25, 0],
      ]);
    });

    it('commit charges an actual above the reservation in full', async () => {
      const line = budgetLine('over', { limitInNanoUsd: 100 });
      await store.reserve(reserveRequest('r', [line], 10));
      await store.commit({ reservationId: 'r', actualInNanoUsd: 12 });
      expect((await store.snapshot([line]))[0]).toMatchObject({ committedInNanoUsd: 12, reservedInNanoUsd: 0 });
    });

    it('release frees the reservation once; commit after release does nothing', async () => {
      const line = budgetLine('rel', { limitInNanoUsd: 10 });
      await store.reserve(reserveRequest('r', [line], 10));
      expect(await store.release('r')).toBe(true);
      expect(await store.release('r')).toBe(false);
      expect(await store.release('never-made')).toBe(false);
      expect(await store.commit({ reservationId: 'r', actualInNanoUsd: 3 })).toMatchObject({ applied: false, leaseExpired: false });
      expect((await store.snapshot([line]))[0]).toMatchObject({ committedInNanoUsd: 0, reservedInNanoUsd: 0, calls: 1 });
    });
  });

  describe('lease expiry', () => {
    it('frees an expired lease for new reserves and stops counting it as reserved', async () => {
      const line = budgetLine('lease', { limitInNanoUsd: 10 });
      await store.reserve(reserveRequest('old', [line], 10, 2_000));
      expect(await store.reserve(reserveRequest('blocked', [line], 1, 9_000))).toMatchObject({ ok: false, reason: 'money' });
      clock.set(2_000);
      expect((await store.snapshot([line]))[0]).toMatchObject({ reservedInNanoUsd: 0 });
      expect(await store.reserve(reserveRequest('new', [line], 10, 9_000))).toMatchObject({ ok: true });
    });

    it('reclaims leases in order of expiry, not of creation', async () => {
      const line = budgetLine('order', { limitInNanoUsd: 30 });
      await store.reserve(reserveRequest('late', [line], 10, 5_000));
      await store.reserve(reserveRequest('early', [line], 10, 2_000));
      await store.reserve(reserveRequest('middle', [line], 10, 3_000));
      clock.set(3_000);
      expect((await store.snapshot([line]))[0]?.reservedInNanoUsd).toBe(10);
      expect(await store.release('late')).toBe(true);
    });

    it('still charges a commit that arrives after the lease expired, and reports it', async () => {
      const line = budgetLine('late', { limitInNanoUsd: 10 });
      await store.reserve(reserveRequest('slow', [line], 8, 2_000));
      clock.set(2_500);
      await store.reserve(reserveRequest('other', [line], 10, 9_000));
      expect(await store.commit({ reservationId: 'slow', actualInNanoUsd: 6 })).toMatchObject({ applied: true, leaseExpired: true });
      expect(await store.commit({ reservationId: 'slow', actualInNanoUsd: 6 })).toMatchObject({ applied: false, leaseExpired: false });
      expect((await store.snapshot([line]))[0]).toMatchObject({ committedInNanoUsd: 6, reservedInNanoUsd: 10 });
    });

    it('treats a commit at the expiry instant as late even before anything reclaimed it', async () => {
      const line = budgetLine('instant', { limitInNanoUsd: 10 });
      await store.reserve(reserveRequest('r', [line], 8, 2_000));
      clock.set(2_000);
      expect(await store.commit({ reservationId: 'r', actualInNanoUsd: 3 })).toMatchObject({ applied: true, leaseExpired: true });
      expect((await store.snapshot([line]))[0]).toMatchObject({ committedInNanoUsd: 3, reservedInNanoUsd: 0 });
    });

    it('release after expiry frees nothing and cancels the late charge', async () => {
      const line = budgetLine('gone', { limitInNanoUsd: 10 });
      await store.reserve(reserveRequest('r', [line], 8, 2_000));
      clock.set(3_000);
      expect(await store.release('r')).toBe(false);
      expect(await store.commit({ reservationId: 'r', actualInNanoUsd: 3 })).toMatchObject({ applied: false, leaseExpired: false });
    });
  });

  describe('snapshot', () => {
    it('reports lines in request order, zeros for unknown lines, and omits unknown plain keys', async () => {
      const known = budgetLine('known', { limitInNanoUsd: 50, callLimit: 4 });
      const unknown = budgetLine('unknown', { limitInNanoUsd: 7 });
      await store.reserve(reserveRequest('r', [known], 20));
      await store.commit({ reservationId: 'r', actualInNanoUsd: 15 });
      await store.reserve(reserveRequest('s', [known], 5));
      expect(await store.snapshot([unknown, 'team:nobody|day|1970-01-01', known.key])).toEqual([
        { ...unknown, committedInNanoUsd: 0, reservedInNanoUsd: 0, calls: 0 },
        { ...known, committedInNanoUsd: 15, reservedInNanoUsd: 5, calls: 2 },
      ]);
    });

    it('keeps different keys of the same scope as different counters', async () => {
      const monday = { ...budgetLine('zone', { limitInNanoUsd: 10 }), key: 'team:zone|day|2026-11-23' };
      const tuesday = { ...monday, key: 'team:zone|day|2026-11-24' };
      await store.reserve(reserveRequest('a', [monday], 10));
      expect(await store.reserve(reserveRequest('b', [tuesday], 10))).toMatchObject({ ok: true });
    });
  });

  describe('windows', () => {
    it('rolls a day budget over at local midnight in a non-UTC zone, with no reset', async () => {
      const config = parseConfig({ timeZone: 'Asia/Tokyo', budgets: [{ scope: 'team:research', window: 'day', hard: '0.00000001' }] });
      const scopes = { org: 'default', team: 'research', tasks: [], tags: {}, model: 'm', provider: 'p' };
      const linesAt = (timeInMs: number) => resolveBudgetLines({ config, scopes, timeInMs }).rules.map((rule) => rule.line);
      // 2026-11-22 14:59:59.999 UTC is 23:59:59.999 in Tokyo; midnight there is 15:00 UTC.
      const lastInstant = Date.parse('2026-11-22T14:59:59.999Z');
      clock.set(lastInstant);
      expect(await store.reserve(reserveRequest('day-1', linesAt(lastInstant), 10, lastInstant + 60_000))).toMatchObject({ ok: true });
      expect(await store.reserve(reserveRequest('day-1-more', linesAt(lastInstant), 1, lastInstant + 60_000))).toMatchObject({ ok: false, reason: 'money' });
      clock.set(lastInstant + 1);
      const nextDay = linesAt(lastInstant + 1);
      expect(nextDay[0]?.key).toBe('team:research|day|2026-11-23');
      expect(await store.reserve(reserveRequest('day-2', nextDay, 10, lastInstant + 60_000))).toMatchObject({ ok: true });
      const [yesterday, today] = await store.snapshot([...linesAt(lastInstant), ...nextDay]);
      expect(yesterday).toMatchObject({ key: 'team:research|day|2026-11-22', reservedInNanoUsd: 10 });
      expect(today).toMatchObject({ key: 'team:research|day|2026-11-23', reservedInNanoUsd: 10 });
    });
  });

  describe('marks', () => {
    it('claims a mark exactly once until it expires', async () => {
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimMark('team:a|day|x|80%', 5_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claimMark('team:a|day|x|100%', 5_000)).toBe(true);
      clock.set(5_000);
      expect(await store.claimMark('team:a|day|x|80%', 9_000)).toBe(true);
      expect(await store.claimMark('team:a|day|x|80%', 9_000)).toBe(false);
    });
  });

  describe('lifecycle', () => {
    it('drops ended windows on prune, keeping lines that still hold reservations', async () => {
      const ended = budgetLine('ended', { windowEndInMs: 2_000 });
      const held = budgetLine('held', { windowEndInMs: 2_000 });
      const current = budgetLine('current', { windowEndInMs: 90_000 });
      await store.reserve(reserveRequest('a', [ended, current], 1));
      await store.commit({ reservationId: 'a', actualInNanoUsd: 1 });
      await store.reserve(reserveRequest('b', [held], 1, 60_000));
      clock.set(2_000);
      const prunable = store as Store & { prune?: () => Promise<number> };
      expect(typeof prunable.prune).toBe('function');
      expect(await prunable.prune?.()).toBe(1);
      expect((await store.snapshot([ended.key, held.key, current.key])).map((state) => state.key)).toEqual([held.key, current.key]);
    });

    it('rejects operations after close with store_unavailable', async () => {
      await store.close();
      await expect(store.reserve(reserveRequest('r', [], 0))).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.query({})).rejects.toMatchObject({ code: 'store_unavailable' });
    });
  });
}
