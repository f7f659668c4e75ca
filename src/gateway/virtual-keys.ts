import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { KeyBudget, VirtualKeyRecord } from '../core/control-records.js';
import type { Store } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';

export interface CreateKeyOptions {
  name?: string;
  team?: string;
  models?: string[];
  budgets?: KeyBudget[];
  cache?: boolean;
  /** A fixed plaintext (the demo key); otherwise a random one. */
  plaintext?: string;
}

export interface VirtualKeys {
  /** Creates a key; the plaintext is returned here and never again. */
  create(options: CreateKeyOptions): Promise<{ plaintext: string; record: VirtualKeyRecord }>;
  /** The live key a plaintext names, or undefined (unknown or revoked). */
  authenticate(plaintext: string): Promise<VirtualKeyRecord | undefined>;
  revoke(id: string): Promise<VirtualKeyRecord>;
  list(): Promise<VirtualKeyRecord[]>;
  /** The HMAC a plaintext is stored under. */
  hash(plaintext: string): string;
}

const keyPrefix = 'wk-';
// Another replica may revoke a key; a cached lookup is trusted this long.
const cacheTtlInMs = 1_000;
const maxCachedKeys = 10_000;

/**
 * Virtual keys stored only as HMAC-SHA256 under the server secret. Lookups are cached briefly by
 * the presented key (in memory only), so the hot path neither hashes nor touches the store.
 */
export function createVirtualKeys(options: { store: Store; secret: string; clock: Clock }): VirtualKeys {
  const { store, secret, clock } = options;
  const cache = new Map<string, { record: VirtualKeyRecord | undefined; fetchedAtInMs: number }>();
  const hash = (plaintext: string): string => createHmac('sha256', secret).update(plaintext).digest('hex');

  return {
    hash,
    async create(createOptions) {
      const plaintext = createOptions.plaintext ?? `${keyPrefix}${randomBytes(24).toString('base64url')}`;
      const hashed = hash(plaintext);
      const existing = await store.findKeyByHash(hashed);
      if (existing) return { plaintext, record: existing };
      const record: VirtualKeyRecord = {
        id: `key_${randomBytes(8).toString('hex')}`,
        hash: hashed,
        prefix: `${plaintext.slice(0, keyPrefix.length + 6)}…`,
        ...(createOptions.name === undefined ? {} : { name: createOptions.name }),
        ...(createOptions.team === undefined ? {} : { team: createOptions.team }),
        ...(createOptions.models === undefined || createOptions.models.length === 0 ? {} : { models: [...createOptions.models] }),
        budgets: createOptions.budgets ?? [],
        ...(createOptions.cache === undefined ? {} : { cache: createOptions.cache }),
        createdAtInMs: clock.now(),
      };
      await store.putKey(record);
      return { plaintext, record };
    },
    async authenticate(plaintext) {
      const nowInMs = clock.now();
      const cached = cache.get(plaintext);
      let record = cached?.record;
      if (!cached || nowInMs - cached.fetchedAtInMs > cacheTtlInMs) {
        try {
          record = await store.findKeyByHash(hash(plaintext));
        } catch (error) {
          // With the key store away a revocation cannot reach this replica either: a key seen
          // before keeps working, so an outage of the ledger's database does not stop the fleet.
          if (cached === undefined || !(error instanceof WardenError) || error.code !== 'store_unavailable') throw error;
          return cached.record && cached.record.revokedAtInMs === undefined ? cached.record : undefined;
        }
        if (cache.size >= maxCachedKeys) cache.clear();
        cache.set(plaintext, { record, fetchedAtInMs: nowInMs });
      }
      return record && record.revokedAtInMs === undefined ? record : undefined;
    },
    async revoke(id) {
      const record = await store.findKeyById(id);
      if (!record) throw new WardenError('not_found', `No key with id "${id}". List keys with \`warden keys list\`.`);
      const revoked = record.revokedAtInMs === undefined ? { ...record, revokedAtInMs: clock.now() } : record;
      await store.putKey(revoked);
      for (const [plaintext, entry] of cache) if (entry.record?.id === revoked.id) cache.delete(plaintext);
      return revoked;
    },
    list: () => store.listKeys(),
  };
}

/** Strips the HMAC before a key record leaves the server. */
export function publicKeyRecord(record: VirtualKeyRecord): Omit<VirtualKeyRecord, 'hash'> {
  const { hash: _hash, ...rest } = record;
  return rest;
}
