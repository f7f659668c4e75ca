import type { CachedResponse, KillSwitch, KillTarget, VirtualKeyRecord } from '../core/control-records.js';
import type { Store } from '../core/store.js';

/** Keys, kill switches and cached responses as a store keeps them, synchronously (Maps, SQLite statements). */
export interface ControlRecords {
  putKey(key: VirtualKeyRecord): void;
  findKeyByHash(hash: string): VirtualKeyRecord | undefined;
  findKeyById(id: string): VirtualKeyRecord | undefined;
  listKeys(): VirtualKeyRecord[];
  setKillSwitch(killSwitch: KillSwitch): void;
  clearKillSwitch(target: KillTarget): boolean;
  listKillSwitches(): KillSwitch[];
  getCachedResponse(key: string, nowInMs: number): CachedResponse | undefined;
  putCachedResponse(entry: CachedResponse): void;
}

export type ControlMethods = Pick<Store, keyof ControlRecords>;

/** The Store's control methods over `records`, each refusing once `assertOpen` throws. */
export function controlMethods(records: ControlRecords, assertOpen: () => void): ControlMethods {
  return {
    async putKey(key) {
      assertOpen();
      records.putKey(key);
    },
    async findKeyByHash(hash) {
      assertOpen();
      return records.findKeyByHash(hash);
    },
    async findKeyById(id) {
      assertOpen();
      return records.findKeyById(id);
    },
    async listKeys() {
      assertOpen();
      return records.listKeys();
    },
    async setKillSwitch(killSwitch) {
      assertOpen();
      records.setKillSwitch(killSwitch);
    },
    async clearKillSwitch(target) {
      assertOpen();
      return records.clearKillSwitch(target);
    },
    async listKillSwitches() {
      assertOpen();
      return records.listKillSwitches();
    },
    async getCachedResponse(key, nowInMs) {
      assertOpen();
      return records.getCachedResponse(key, nowInMs);
    },
    async putCachedResponse(entry) {
      assertOpen();
      records.putCachedResponse(entry);
    },
  };
}
