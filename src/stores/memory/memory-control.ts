import type { CachedResponse, KillSwitch, KillTarget, VirtualKeyRecord } from '../../core/control-records.js';
import { compareKillSwitches } from '../compare-kill-switches.js';
import type { ControlRecords } from '../control-methods.js';
import { duplicateKeyHashError } from '../duplicate-key-hash-error.js';

/**
 * Virtual keys, kill switches and cached responses in plain Maps. Records are copied on the way
 * in and on the way out, so no caller can change what is stored.
 */
export class MemoryControl implements ControlRecords {
  private readonly keysById = new Map<string, VirtualKeyRecord>();
  private readonly keyIdsByHash = new Map<string, string>();
  private readonly killSwitches = new Map<KillTarget, KillSwitch>();
  private readonly cachedResponses = new Map<string, CachedResponse>();

  putKey(key: VirtualKeyRecord): void {
    const holderId = this.keyIdsByHash.get(key.hash);
    if (holderId !== undefined && holderId !== key.id) throw duplicateKeyHashError(key.id, holderId);
    const previous = this.keysById.get(key.id);
    if (previous !== undefined && previous.hash !== key.hash) this.keyIdsByHash.delete(previous.hash);
    this.keysById.set(key.id, structuredClone(key));
    this.keyIdsByHash.set(key.hash, key.id);
  }

  findKeyByHash(hash: string): VirtualKeyRecord | undefined {
    const id = this.keyIdsByHash.get(hash);
    return id === undefined ? undefined : this.findKeyById(id);
  }

  findKeyById(id: string): VirtualKeyRecord | undefined {
    const key = this.keysById.get(id);
    return key === undefined ? undefined : structuredClone(key);
  }

  /** Oldest first; the sort is stable, so keys created in the same millisecond keep insertion order. */
  listKeys(): VirtualKeyRecord[] {
    return [...this.keysById.values()].sort((left, right) => left.createdAtInMs - right.createdAtInMs).map((key) => structuredClone(key));
  }

  setKillSwitch(killSwitch: KillSwitch): void {
    this.killSwitches.set(killSwitch.target, structuredClone(killSwitch));
  }

  clearKillSwitch(target: KillTarget): boolean {
    return this.killSwitches.delete(target);
  }

  /** Ordered by when each was turned on, then by target. */
  listKillSwitches(): KillSwitch[] {
    return [...this.killSwitches.values()].sort(compareKillSwitches).map((killSwitch) => structuredClone(killSwitch));
  }

  getCachedResponse(key: string, nowInMs: number): CachedResponse | undefined {
    const entry = this.cachedResponses.get(key);
    return entry === undefined || entry.expiresAtInMs <= nowInMs ? undefined : structuredClone(entry);
  }

  putCachedResponse(entry: CachedResponse): void {
    this.cachedResponses.set(entry.key, structuredClone(entry));
  }

  /** Drops responses expired at `nowInMs`; returns how many. */
  pruneExpiredResponses(nowInMs: number): number {
    let dropped = 0;
    for (const [key, entry] of this.cachedResponses) {
      if (entry.expiresAtInMs > nowInMs) continue;
      this.cachedResponses.delete(key);
      dropped += 1;
    }
    return dropped;
  }
}
