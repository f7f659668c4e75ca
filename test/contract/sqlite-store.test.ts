import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { LedgerEvent } from '../../src/core/ledger-event.js';
import type { Store } from '../../src/core/store.js';
import { sqliteMigrations } from '../../src/stores/sqlite/sqlite-schema.js';
import { createSqliteStore, type SqliteStoreOptions } from '../../src/stores/sqlite/sqlite-store.js';
import { budgetLine, reserveRequest } from './contract-fixtures.js';
import { describeStoreContract } from './store-contract.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-sqlite-contract-'));
let opened = 0;
const nextPath = (): string => join(directory, `store-${(opened += 1)}.db`);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describeStoreContract('sqlite', async (clock) => createSqliteStore({ path: nextPath(), clock }), { propertyRuns: 60 });
describeStoreContract('sqlite, batched budget writes', async (clock) => createSqliteStore({ path: nextPath(), clock, budgetDurability: 'batched' }), {
  propertyRuns: 30,
});

describe('SQLite store: durability and batching', () => {
  const open: Array<{ close(): unknown }> = [];
  const track = <Closable extends { close(): unknown }>(closable: Closable): Closable => {
    open.push(closable);
    return closable;
  };
  const openStore = (options: Omit<SqliteStoreOptions, 'clock'> & { clock?: SqliteStoreOptions['clock'] }): Store =>
    track(createSqliteStore({ clock: createManualClock(1_000), ...options }));
  const ledgerRowCount = (path: string): number => {
    const reader = track(new Database(path, { readonly: true }));
    return (reader.prepare('SELECT count(*) AS count FROM ledger').get() as { count: number }).count;
  };
  const reservationRowCount = (path: string): number => {
    const reader = track(new Database(path, { readonly: true }));
    return (reader.prepare('SELECT count(*) AS count FROM reservations').get() as { count: number }).count;
  };
  const event = (requestId: string): LedgerEvent => ({ type: 'reservation-create', timeInMs: 1_000, requestId });

  afterEach(async () => {
    for (const closable of open.splice(0).reverse()) await closable.close();
  });

  it('stores a call settled within one batch as its settled row alone, and keeps both rows across a batch boundary', async () => {
    const path = nextPath();
    const store = openStore({ path, flushIntervalInMs: 60_000 });
    const create = (reservationId: string): LedgerEvent => ({ type: 'reservation-create', timeInMs: 1_000, requestId: reservationId, reservedInNanoUsd: 50, data: { reservationId } });
    const commit = (reservationId: string): LedgerEvent => ({ type: 'reservation-commit', timeInMs: 1_001, requestId: reservationId, costInNanoUsd: 30, reservedInNanoUsd: 50, data: { reservationId } });
    void store.append([create('fast'), create('slow')]);
    void store.append([commit('fast')]);
    await store.flush();
    void store.append([commit('slow')]);
    const rows = await store.query({});
    expect(rows.map((row) => `${row.type}:${row.requestId}`)).toEqual(['reservation-create:slow', 'reservation-commit:fast', 'reservation-commit:slow']);
    expect(ledgerRowCount(path)).toBe(3);
  });

  it('opens the file in WAL mode at the latest schema version', () => {
    const path = nextPath();
    openStore({ path });
    const reader = track(new Database(path, { readonly: true }));
    expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(reader.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
  });

  it.each(['per-operation', 'batched'] as const)('keeps reservations, committed totals, tombstones and the ledger across close and reopen (%s)', async (budgetDurability) => {
    const path = nextPath();
    const clock = createManualClock(1_000);
    const line = budgetLine('durable', { limitInNanoUsd: 100, callLimit: 10 });
    const first = createSqliteStore({ path, clock, budgetDurability });
    await first.reserve(reserveRequest('held', [line], 30, 50_000));
    await first.reserve(reserveRequest('spent', [line], 20, 50_000));
    await first.commit({ reservationId: 'spent', actualInNanoUsd: 15 });
    await first.reserve(reserveRequest('slow', [line], 10, 2_000));
    clock.set(3_000);
    await first.snapshot([line]);
    await first.append([event('q1'), event('q2')]);
    await first.close();

    const second = track(createSqliteStore({ path, clock, budgetDurability }));
    expect((await second.snapshot([line.key]))[0]).toMatchObject({ committedInNanoUsd: 15, reservedInNanoUsd: 30, calls: 3, callLimit: 10 });
    expect(await second.reserve(reserveRequest('held', [line], 99))).toMatchObject({ ok: true, amountInNanoUsd: 30 });
    expect(await second.commit({ reservationId: 'slow', actualInNanoUsd: 7 })).toMatchObject({ applied: true, leaseExpired: true });
    expect(await second.release('held')).toBe(true);
    expect((await second.query({})).map((row) => row.requestId)).toEqual(['q1', 'q2']);
    clock.set(50_000);
    expect((await second.snapshot([line.key]))[0]).toMatchObject({ committedInNanoUsd: 22, reservedInNanoUsd: 0 });
  });

  it('buffers appends off the hot path and writes them on flush', async () => {
    const path = nextPath();
    const store = openStore({ path, flushIntervalInMs: 60_000 });
    const written = store.append([event('a'), event('b')]);
    expect(ledgerRowCount(path)).toBe(0);
    await store.flush();
    await written;
    expect(ledgerRowCount(path)).toBe(2);
  });

  it('writes the buffer by itself after flushIntervalInMs or at maxBatchSize', async () => {
    const timedPath = nextPath();
    await openStore({ path: timedPath, flushIntervalInMs: 10 }).append([event('timed')]);
    expect(ledgerRowCount(timedPath)).toBe(1);
    const batchPath = nextPath();
    const batched = openStore({ path: batchPath, flushIntervalInMs: 60_000, maxBatchSize: 3 });
    const early = batched.append([event('one'), event('two')]);
    await batched.append([event('three')]);
    await early;
    expect(ledgerRowCount(batchPath)).toBe(3);
  });

  it('makes appended events durable on close()', async () => {
    const path = nextPath();
    const store = createSqliteStore({ path, flushIntervalInMs: 60_000 });
    const written = store.append([event('last-words')]);
    await store.close();
    await written;
    const reopened = openStore({ path });
    expect((await reopened.query({})).map((row) => row.requestId)).toEqual(['last-words']);
  });

  it('stays open when the final write of close() fails, so a second close() loses nothing', async () => {
    const path = nextPath();
    const store = createSqliteStore({ path, flushIntervalInMs: 60_000, busyTimeoutInMs: 20 });
    const locker = track(new Database(path));
    locker.exec('BEGIN IMMEDIATE');
    const writtenRejects = expect(store.append([event('at-shutdown')])).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(store.close()).rejects.toMatchObject({ code: 'store_unavailable' });
    await writtenRejects;
    locker.exec('ROLLBACK');
    await store.close();
    expect(ledgerRowCount(path)).toBe(1);
  });

  it('explains a database it cannot open', () => {
    expect(() => createSqliteStore({ path: join(directory, 'missing-directory', 'x.db') })).toThrow(expect.objectContaining({ code: 'store_unavailable' }));
  });

  it('keeps events whose write failed because another connection held the lock, and writes them once later', async () => {
    const path = nextPath();
    const store = openStore({ path, flushIntervalInMs: 60_000, busyTimeoutInMs: 20 });
    const locker = track(new Database(path));
    locker.exec('BEGIN IMMEDIATE');
    const written = store.append([event('x'), event('y')]);
    await expect(store.flush()).rejects.toMatchObject({ code: 'store_unavailable', details: { bufferedEvents: 2 } });
    await expect(written).rejects.toMatchObject({ code: 'store_unavailable' });
    locker.exec('ROLLBACK');
    await store.flush();
    expect(ledgerRowCount(path)).toBe(2);
    expect((await store.query({})).map((row) => row.requestId)).toEqual(['x', 'y']);
  });

  it('refuses a reserve it cannot write, leaving budget state as it was', async () => {
    const path = nextPath();
    const line = budgetLine('locked', { limitInNanoUsd: 10 });
    const store = openStore({ path, busyTimeoutInMs: 20 });
    await store.reserve(reserveRequest('before', [line], 4));
    const locker = track(new Database(path));
    locker.exec('BEGIN IMMEDIATE');
    await expect(store.reserve(reserveRequest('during', [line], 6))).rejects.toMatchObject({ code: 'store_unavailable' });
    locker.exec('ROLLBACK');
    expect((await store.snapshot([line]))[0]).toMatchObject({ reservedInNanoUsd: 4, calls: 1 });
    expect(await store.reserve(reserveRequest('after', [line], 6))).toMatchObject({ ok: true });
  });

  it('forgets a reserve whose write failed mid-transaction (cache reloaded from the file)', async () => {
    const path = nextPath();
    const line = budgetLine('mid', { limitInNanoUsd: 10 });
    const store = openStore({ path });
    await store.reserve(reserveRequest('before', [line], 4));
    // A trigger from another connection makes the reservation insert fail after the line update ran.
    const saboteur = track(new Database(path));
    saboteur.exec("CREATE TRIGGER refuse_reservations BEFORE INSERT ON reservations BEGIN SELECT RAISE(ABORT, 'write refused'); END");
    await expect(store.reserve(reserveRequest('during', [line], 6))).rejects.toMatchObject({ code: 'store_unavailable' });
    saboteur.exec('DROP TRIGGER refuse_reservations');
    expect((await store.snapshot([line]))[0]).toMatchObject({ reservedInNanoUsd: 4, calls: 1 });
    expect(await store.reserve(reserveRequest('after', [line], 6))).toMatchObject({ ok: true });
  });

  it('writes reservations to the file before reserve resolves, per operation', async () => {
    const path = nextPath();
    const store = openStore({ path });
    await store.reserve(reserveRequest('r', [budgetLine('now')], 5));
    expect(reservationRowCount(path)).toBe(1);
  });

  it('batches budget writes when asked, keeping a failed batch until it can be written', async () => {
    const path = nextPath();
    const line = budgetLine('batched', { limitInNanoUsd: 10 });
    const store = openStore({ path, budgetDurability: 'batched', flushIntervalInMs: 60_000, busyTimeoutInMs: 20 });
    await store.reserve(reserveRequest('r', [line], 5));
    expect(reservationRowCount(path)).toBe(0);
    const locker = track(new Database(path));
    locker.exec('BEGIN IMMEDIATE');
    await expect(store.flush()).rejects.toMatchObject({ code: 'store_unavailable', details: { pendingRows: 2 } });
    expect(await store.reserve(reserveRequest('s', [line], 6))).toMatchObject({ ok: false, reason: 'money' });
    locker.exec('ROLLBACK');
    await store.flush();
    expect(reservationRowCount(path)).toBe(1);
  });

  it('rejects an event that cannot be serialised in its own append, without blocking others', async () => {
    const path = nextPath();
    const store = openStore({ path, flushIntervalInMs: 60_000 });
    const poisoned = { ...event('bad'), data: { size: 1n } };
    await expect(store.append([poisoned])).rejects.toThrow(TypeError);
    const good = store.append([event('good')]);
    expect((await store.query({})).map((row) => row.requestId)).toEqual(['good']);
    await good;
  });
});
