import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { sqliteMigrations } from '../../src/stores/sqlite/sqlite-schema.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { cachedResponse, killSwitch, virtualKey } from './control-contract-cases.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-sqlite-control-'));
let opened = 0;
const nextPath = (): string => join(directory, `control-${(opened += 1)}.db`);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('SQLite store: keys, kill switches and cache on disk', () => {
  const open: Array<{ close(): unknown }> = [];
  const track = <Closable extends { close(): unknown }>(closable: Closable): Closable => {
    open.push(closable);
    return closable;
  };
  const rowCount = (path: string, table: 'virtual_keys' | 'kill_switches' | 'cached_responses'): number => {
    const reader = track(new Database(path, { readonly: true }));
    return (reader.prepare(`SELECT count(*) AS count FROM ${table}`).get() as { count: number }).count;
  };

  afterEach(async () => {
    for (const closable of open.splice(0).reverse()) await closable.close();
  });

  it('keeps keys, kill switches and cached responses across close and reopen', async () => {
    const path = nextPath();
    const clock = createManualClock(1_000);
    const first = createSqliteStore({ path, clock });
    const revoked = virtualKey('key_a', { revokedAtInMs: 4_000 });
    const kept = virtualKey('key_b', { createdAtInMs: 500, name: undefined, models: undefined });
    await first.putKey(virtualKey('key_a'));
    await first.putKey(kept);
    await first.putKey(revoked);
    await first.setKillSwitch(killSwitch('global', 1_000));
    await first.setKillSwitch(killSwitch('team:research', 2_000, 'overspend'));
    await first.clearKillSwitch('global');
    const entry = cachedResponse('route|model|body', 9_000, 'data: {"id":"x"}\n\ndata: [DONE]\n\n');
    await first.putCachedResponse(entry);
    await first.close();

    const second = track(createSqliteStore({ path, clock }));
    expect(await second.listKeys()).toEqual([kept, revoked]);
    expect(await second.findKeyByHash(revoked.hash)).toEqual(revoked);
    expect(await second.listKillSwitches()).toEqual([killSwitch('team:research', 2_000, 'overspend')]);
    expect(await second.getCachedResponse(entry.key, 8_999)).toEqual(entry);
    expect(await second.getCachedResponse(entry.key, 9_000)).toBeUndefined();
  });

  it('writes keys, kill switches and cached responses to the file before their promises resolve', async () => {
    const path = nextPath();
    const store = track(createSqliteStore({ path, flushIntervalInMs: 60_000, budgetDurability: 'batched' }));
    await store.putKey(virtualKey('key_a'));
    await store.setKillSwitch(killSwitch('global', 1_000));
    await store.putCachedResponse(cachedResponse('k', 9_000));
    expect(rowCount(path, 'virtual_keys')).toBe(1);
    expect(rowCount(path, 'kill_switches')).toBe(1);
    expect(rowCount(path, 'cached_responses')).toBe(1);
    await store.clearKillSwitch('global');
    expect(rowCount(path, 'kill_switches')).toBe(0);
  });

  it('deletes expired cached responses from the file on prune', async () => {
    const path = nextPath();
    const clock = createManualClock(1_000);
    const store = track(createSqliteStore({ path, clock }));
    await store.putCachedResponse(cachedResponse('expired', 2_000));
    await store.putCachedResponse(cachedResponse('at-edge', 3_000));
    await store.putCachedResponse(cachedResponse('fresh', 3_001));
    clock.set(3_000);
    expect(await store.prune()).toBe(0);
    expect(rowCount(path, 'cached_responses')).toBe(1);
    expect(await store.getCachedResponse('fresh', 3_000)).toMatchObject({ key: 'fresh' });
  });

  it('reports a write it cannot make as store_unavailable, and writes once the lock is gone', async () => {
    const path = nextPath();
    const store = track(createSqliteStore({ path, busyTimeoutInMs: 20 }));
    const locker = track(new Database(path));
    locker.exec('BEGIN IMMEDIATE');
    await expect(store.putKey(virtualKey('key_a'))).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(store.setKillSwitch(killSwitch('global', 1_000))).rejects.toMatchObject({ code: 'store_unavailable' });
    locker.exec('ROLLBACK');
    await store.putKey(virtualKey('key_a'));
    expect((await store.findKeyById('key_a'))?.id).toBe('key_a');
  });

  it('adds the control tables to a file made at schema version 1, keeping its budget state', async () => {
    const path = nextPath();
    const old = new Database(path);
    old.exec(sqliteMigrations[0] as string);
    old.exec("INSERT INTO marks (mark_key, expires_at_in_ms) VALUES ('kept', 99000)");
    old.pragma('user_version = 1');
    old.close();
    const store = track(createSqliteStore({ path, clock: createManualClock(1_000) }));
    expect(await store.claimMark('kept', 99_000)).toBe(false);
    await store.putKey(virtualKey('key_a'));
    expect(await store.listKeys()).toEqual([virtualKey('key_a')]);
    const reader = track(new Database(path, { readonly: true }));
    expect(reader.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
  });
});
