import { beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import type { CachedResponse, KillSwitch, VirtualKeyRecord } from '../../src/core/control-records.js';
import type { Store } from '../../src/core/store.js';
import { createUsage } from '../../src/core/usage.js';
import type { MakeStore, ManualClock } from './contract-fixtures.js';

/** A key with every optional field set, so a store that drops one fails the round trip. */
export function virtualKey(id: string, overrides: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  return {
    id,
    hash: `hash-of-${id}`,
    prefix: `wk-${id.slice(-4)}`,
    name: `Key ${id}`,
    team: 'research',
    models: ['gpt-4o-mini', 'fast'],
    budgets: [{ window: 'day', hardInNanoUsd: 5_000_000_000, softInNanoUsd: 4_000_000_000, calls: 100 }],
    cache: true,
    createdAtInMs: 1_000,
    ...overrides,
  };
}

export function killSwitch(target: KillSwitch['target'], atInMs: number, reason = 'runaway agent'): KillSwitch {
  return { target, reason, by: 'cli', atInMs };
}

export function cachedResponse(key: string, expiresAtInMs: number, body = '{"id":"chatcmpl-1"}'): CachedResponse {
  return {
    key,
    status: 200,
    contentType: 'application/json',
    body,
    model: 'gpt-4o-mini',
    usage: createUsage({ inputTokens: 12, outputTokens: 7 }),
    costInNanoUsd: 4_200,
    createdAtInMs: 1_000,
    expiresAtInMs,
  };
}

/** Virtual keys, kill switches and the response cache: the control half of the Store contract. */
export function describeControlCases(openStore: MakeStore, track: (store: Store) => Store): void {
  let clock: ManualClock;
  let store: Store;

  beforeEach(async () => {
    clock = createManualClock(1_000);
    store = track(await openStore(clock));
  });

  describe('virtual keys', () => {
    it('finds a stored key by hash and by id, and nothing for unknown ones', async () => {
      const key = virtualKey('key_a1');
      await store.putKey(key);
      await store.putKey(virtualKey('key_b2', { name: undefined, team: undefined, models: undefined, cache: undefined, budgets: [] }));
      expect(await store.findKeyByHash(key.hash)).toEqual(key);
      expect(await store.findKeyById(key.id)).toEqual(key);
      expect(await store.findKeyById('key_b2')).toEqual({ id: 'key_b2', hash: 'hash-of-key_b2', prefix: 'wk-y_b2', budgets: [], createdAtInMs: 1_000 });
      expect(await store.findKeyByHash('hash-of-nobody')).toBeUndefined();
      expect(await store.findKeyById('key_nobody')).toBeUndefined();
      expect(await store.findKeyByHash(key.id)).toBeUndefined();
    });

    it('replaces the key with the same id, so a revocation shows when it is found by hash', async () => {
      await store.putKey(virtualKey('key_a1'));
      const revoked = virtualKey('key_a1', { revokedAtInMs: 5_000, models: ['gpt-4o'] });
      await store.putKey(revoked);
      expect(await store.findKeyByHash(revoked.hash)).toEqual(revoked);
      expect(await store.findKeyById(revoked.id)).toEqual(revoked);
      expect(await store.listKeys()).toEqual([revoked]);
    });

    it('finds a replaced key under its new hash only', async () => {
      await store.putKey(virtualKey('key_a1', { hash: 'old-hash' }));
      await store.putKey(virtualKey('key_a1', { hash: 'new-hash' }));
      expect(await store.findKeyByHash('old-hash')).toBeUndefined();
      expect((await store.findKeyByHash('new-hash'))?.id).toBe('key_a1');
    });

    it('refuses a second key with the hash another key holds, keeping the first', async () => {
      await store.putKey(virtualKey('key_a1', { hash: 'shared' }));
      await expect(store.putKey(virtualKey('key_b2', { hash: 'shared' }))).rejects.toMatchObject({ code: 'invalid_request' });
      expect((await store.findKeyByHash('shared'))?.id).toBe('key_a1');
      expect(await store.findKeyById('key_b2')).toBeUndefined();
    });

    it('lists every key oldest first, by creation time then insertion, revoked ones included', async () => {
      await store.putKey(virtualKey('key_c', { createdAtInMs: 3_000 }));
      await store.putKey(virtualKey('key_a', { createdAtInMs: 1_000 }));
      await store.putKey(virtualKey('key_d', { createdAtInMs: 2_000, revokedAtInMs: 2_500 }));
      await store.putKey(virtualKey('key_b', { createdAtInMs: 1_000 }));
      expect((await store.listKeys()).map((key) => key.id)).toEqual(['key_a', 'key_b', 'key_d', 'key_c']);
      await store.putKey(virtualKey('key_a', { createdAtInMs: 1_000, revokedAtInMs: 4_000 }));
      const listed = await store.listKeys();
      expect(listed.map((key) => key.id)).toEqual(['key_a', 'key_b', 'key_d', 'key_c']);
      expect(listed.map((key) => key.revokedAtInMs)).toEqual([4_000, undefined, 2_500, undefined]);
    });

    it('hands out copies: changing a key written or read does not change the store', async () => {
      const original = virtualKey('key_a1');
      const written = virtualKey('key_a1');
      await store.putKey(written);
      written.name = 'changed after put';
      written.models?.push('gpt-4o');
      const found = await store.findKeyById('key_a1');
      if (found === undefined) throw new Error('key_a1 was not stored');
      found.revokedAtInMs = 9_000;
      found.budgets.splice(0);
      const byHash = await store.findKeyByHash(original.hash);
      if (byHash?.budgets[0] === undefined) throw new Error('key_a1 lost its budget');
      byHash.budgets[0].hardInNanoUsd = 1;
      const listed = await store.listKeys();
      listed.pop();
      expect(await store.listKeys()).toEqual([original]);
      expect(await store.findKeyByHash(original.hash)).toEqual(original);
    });
  });

  describe('kill switches', () => {
    it('sets, replaces by target, lists by time of setting, and clears kill switches', async () => {
      await store.setKillSwitch(killSwitch('global', 1_000));
      await store.setKillSwitch(killSwitch('team:research', 2_000));
      await store.setKillSwitch(killSwitch('key:key_a1', 2_000));
      const replacement = killSwitch('global', 3_000, 'still looping');
      await store.setKillSwitch(replacement);
      expect(await store.listKillSwitches()).toEqual([killSwitch('key:key_a1', 2_000), killSwitch('team:research', 2_000), replacement]);
      expect(await store.clearKillSwitch('team:research')).toBe(true);
      expect(await store.clearKillSwitch('team:research')).toBe(false);
      expect(await store.listKillSwitches()).toEqual([killSwitch('key:key_a1', 2_000), replacement]);
    });

    it('returns false when clearing a target that was never on, changing nothing', async () => {
      await store.setKillSwitch(killSwitch('global', 1_000));
      expect(await store.clearKillSwitch('team:nobody')).toBe(false);
      expect(await store.listKillSwitches()).toEqual([killSwitch('global', 1_000)]);
    });

    it('hands out copies: changing a kill switch written or read does not change the store', async () => {
      const written = killSwitch('global', 1_000);
      await store.setKillSwitch(written);
      written.reason = 'changed after set';
      const listed = await store.listKillSwitches();
      if (listed[0] === undefined) throw new Error('the kill switch was not stored');
      listed[0].by = 'someone else';
      listed.push(killSwitch('team:extra', 2_000));
      expect(await store.listKillSwitches()).toEqual([killSwitch('global', 1_000)]);
    });
  });

  describe('response cache', () => {
    it('returns a cached response before it expires, and nothing at or after expiry', async () => {
      const entry = cachedResponse('route|model|body-1', 5_000);
      await store.putCachedResponse(entry);
      expect(await store.getCachedResponse(entry.key, 1_000)).toEqual(entry);
      expect(await store.getCachedResponse(entry.key, 4_999)).toEqual(entry);
      expect(await store.getCachedResponse(entry.key, 5_000)).toBeUndefined();
      expect(await store.getCachedResponse(entry.key, 6_000)).toBeUndefined();
      expect(await store.getCachedResponse('route|model|other', 1_000)).toBeUndefined();
    });

    it('replaces the entry with the same key, expiry included', async () => {
      await store.putCachedResponse(cachedResponse('k', 5_000, 'first'));
      const second = cachedResponse('k', 9_000, 'second');
      await store.putCachedResponse(second);
      expect(await store.getCachedResponse('k', 6_000)).toEqual(second);
      await store.putCachedResponse(cachedResponse('k', 2_000, 'third'));
      expect(await store.getCachedResponse('k', 6_000)).toBeUndefined();
    });

    it('hands out copies: changing a response written or read does not change the store', async () => {
      const written = cachedResponse('k', 5_000);
      await store.putCachedResponse(written);
      written.body = 'changed after put';
      written.usage.outputTokens = 999;
      const read = await store.getCachedResponse('k', 1_000);
      if (read === undefined) throw new Error('the response was not stored');
      read.usage.inputTokens = 0;
      read.status = 500;
      expect(await store.getCachedResponse('k', 1_000)).toEqual(cachedResponse('k', 5_000));
    });

    it('drops expired responses on prune, still counting only budget lines', async () => {
      await store.putCachedResponse(cachedResponse('short', 2_000));
      await store.putCachedResponse(cachedResponse('long', 90_000));
      clock.set(2_000);
      const prunable = store as Store & { prune?: () => Promise<number> };
      expect(typeof prunable.prune).toBe('function');
      expect(await prunable.prune?.()).toBe(0);
      // Asked about a time before its expiry, a response that was only hidden would still come back.
      expect(await store.getCachedResponse('short', 1_000)).toBeUndefined();
      expect(await store.getCachedResponse('long', 1_000)).toEqual(cachedResponse('long', 90_000));
    });
  });

  describe('control lifecycle', () => {
    it('rejects control operations after close with store_unavailable', async () => {
      await store.close();
      await expect(store.putKey(virtualKey('key_a1'))).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.listKillSwitches()).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.getCachedResponse('k', 1_000)).rejects.toMatchObject({ code: 'store_unavailable' });
    });
  });
}
