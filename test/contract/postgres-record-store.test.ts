import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/ledger-event.js';
import type { RecordStore } from '../../src/core/store.js';
import { combineStores } from '../../src/stores/combine-stores.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createPostgresPool } from '../../src/stores/postgres/create-postgres-pool.js';
import { migratePostgres } from '../../src/stores/postgres/migrate-postgres.js';
import { postgresMigrations } from '../../src/stores/postgres/postgres-migrations.js';
import { createPostgresRecordStore, type PostgresRecordStoreOptions } from '../../src/stores/postgres/postgres-record-store.js';
import type { PrunableStore } from '../../src/stores/prunable-store.js';
import { createPostgresTestSchemas } from '../support/postgres-test-schemas.js';
import { testPostgresUrl } from '../support/postgres-test-server.js';
import { createTcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { virtualKey } from './control-contract-cases.js';
import { describeStoreContract } from './store-contract.js';

const schemas = createPostgresTestSchemas();
const spoolRoot = mkdtempSync(join(tmpdir(), 'warden-postgres-records-'));
let spools = 0;
const nextSpoolDirectory = (): string => join(spoolRoot, `spool-${(spools += 1)}`);

afterAll(async () => {
  rmSync(spoolRoot, { recursive: true, force: true });
  await schemas.dropAll();
});

describeStoreContract(
  'postgres ledger and keys (memory budgets)',
  async (clock) => {
    const budgets = createMemoryStore({ clock });
    const records = await createPostgresRecordStore({ url: testPostgresUrl, schema: schemas.next(), spoolDirectory: nextSpoolDirectory(), clock });
    // The contract also prunes, which combineStores does not pass on: pruning is the budget side's job.
    const store: PrunableStore = { ...combineStores(budgets, records), prune: () => budgets.prune() };
    return store;
  },
  { propertyRuns: 10 },
);

const migrationCount = postgresMigrations.length;
const allVersions = postgresMigrations.map((_, index) => index + 1);
const event = (requestId: string, extra: Partial<LedgerEvent> = {}): LedgerEvent => ({ type: 'reservation-create', timeInMs: 1_000, requestId, ...extra });

describe('PostgreSQL record store', () => {
  const open: RecordStore[] = [];
  const openStore = async (options: Partial<PostgresRecordStoreOptions> & { schema: string }): Promise<RecordStore> => {
    const store = await createPostgresRecordStore({ url: testPostgresUrl, spoolDirectory: nextSpoolDirectory(), ...options });
    open.push(store);
    return store;
  };
  const ledgerRows = async (schema: string): Promise<Array<{ request_id: string; copies: string }>> =>
    schemas.query(`SELECT request_id, count(*) AS copies FROM "${schema}".ledger GROUP BY request_id ORDER BY min(sequence)`);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  it('applies each migration once when four replicas migrate a fresh schema at the same time, and nothing on a second run', async () => {
    const schema = schemas.next();
    const pools = [1, 2, 3, 4].map(() => createPostgresPool({ url: testPostgresUrl, maxConnections: 1, statementTimeoutInMs: 0 }));
    try {
      const results = await Promise.all(pools.map((pool) => migratePostgres(pool, schema)));
      expect(results.flatMap((result) => result.appliedVersions).sort((a, b) => a - b)).toEqual(allVersions);
      expect(results.map((result) => result.version)).toEqual([migrationCount, migrationCount, migrationCount, migrationCount]);
      expect(await migratePostgres(pools[0] as (typeof pools)[0], schema)).toEqual({ schema, appliedVersions: [], version: migrationCount });
      const applied = await schemas.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(applied.map((row) => row.version)).toEqual(allVersions);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('opens four stores on one fresh schema at once, and they share the ledger and the keys', async () => {
    const schema = schemas.next();
    const replicas = await Promise.all([1, 2, 3, 4].map(() => openStore({ schema })));
    await Promise.all(replicas.map((replica, index) => replica.append([event(`replica-${index}`)])));
    await replicas[0]?.putKey(virtualKey('key_shared'));
    for (const replica of replicas) {
      const rows = await replica.query({});
      expect(rows.map((row) => row.requestId).sort()).toEqual(['replica-0', 'replica-1', 'replica-2', 'replica-3']);
      expect(new Set(rows.map((row) => row.sequence)).size).toBe(4);
      expect(await replica.findKeyByHash('hash-of-key_shared')).toEqual(virtualKey('key_shared'));
    }
  });

  it('refuses to open a schema that is not migrated when told not to migrate, saying to run warden migrate', async () => {
    const schema = schemas.next();
    await expect(openStore({ schema, migrate: false })).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('warden migrate') });
    const pool = createPostgresPool({ url: testPostgresUrl, maxConnections: 1 });
    await migratePostgres(pool, schema).finally(() => pool.end());
    const store = await openStore({ schema, migrate: false });
    await store.append([event('after-migrate')]);
    expect((await store.query({})).map((row) => row.requestId)).toEqual(['after-migrate']);
  });

  it('writes each spooled event once, even when the same spool segments are replayed twice', async () => {
    const schema = schemas.next();
    const spoolDirectory = nextSpoolDirectory();
    const events = [event('a', { taskId: 't1', keyId: 'k1', costInNanoUsd: 42, tags: { feature: 'search' } }), event('b'), event('c', { data: { stage: 0.8 } })];
    const proxy = await createTcpFaultProxy(postgresTarget());
    try {
      const writer = await createPostgresRecordStore({ url: proxy.urlThrough(testPostgresUrl), schema, spoolDirectory, flushIntervalInMs: 60_000 });
      proxy.cut();
      const written = writer.append(events);
      await expect(writer.close()).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(written).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await proxy.close();
    }
    const saved = join(spoolRoot, `${schema}-saved`);
    mkdirSync(saved);
    const segments = readdirSync(spoolDirectory);
    expect(segments.length).toBeGreaterThan(0);
    for (const segment of segments) copyFileSync(join(spoolDirectory, segment), join(saved, segment));

    await (await createPostgresRecordStore({ url: testPostgresUrl, schema, spoolDirectory })).close();
    expect(readdirSync(spoolDirectory)).toEqual([]);
    for (const segment of segments) copyFileSync(join(saved, segment), join(spoolDirectory, segment));
    const store = await openStore({ schema, spoolDirectory });

    expect((await store.query({})).map(({ sequence, ...stored }) => stored)).toEqual(events);
    expect(await ledgerRows(schema)).toEqual([
      { request_id: 'a', copies: '1' },
      { request_id: 'b', copies: '1' },
      { request_id: 'c', copies: '1' },
    ]);
    expect(readdirSync(spoolDirectory)).toEqual([]);
  });

  it('stores U+0000, which PostgreSQL text cannot hold, as U+FFFD instead of blocking the ledger', async () => {
    const schema = schemas.next();
    const store = await openStore({ schema });
    await store.append([event('nul\u0000id', { tags: { 'key\u0000': 'value\u0000', path: 'C:\\u0000' } }), event('plain')]);
    const rows = await store.query({});
    expect(rows.map(({ sequence, ...stored }) => stored)).toEqual([
      event('nul\ufffdid', { tags: { 'key\ufffd': 'value\ufffd', path: 'C:\\u0000' } }),
      event('plain'),
    ]);
    expect((await store.query({ requestId: 'nul\ufffdid' })).length).toBe(1);
  });

  it('rejects an event that cannot be serialised in its own append, without blocking others', async () => {
    const store = await openStore({ schema: schemas.next(), flushIntervalInMs: 60_000 });
    await expect(store.append([event('bad', { data: { size: 1n } })])).rejects.toThrow(TypeError);
    const good = store.append([event('good')]);
    expect((await store.query({})).map((row) => row.requestId)).toEqual(['good']);
    await good;
  });

  it('writes buffered events by itself after flushIntervalInMs, and at maxBatchSize', async () => {
    const schema = schemas.next();
    const store = await openStore({ schema, flushIntervalInMs: 10 });
    await store.append([event('timed')]);
    expect(await ledgerRows(schema)).toEqual([{ request_id: 'timed', copies: '1' }]);
    const batchedSchema = schemas.next();
    const batched = await openStore({ schema: batchedSchema, flushIntervalInMs: 60_000, maxBatchSize: 3 });
    const early = batched.append([event('one'), event('two')]);
    await batched.append([event('three')]);
    await early;
    expect((await ledgerRows(batchedSchema)).map((row) => row.request_id)).toEqual(['one', 'two', 'three']);
  });

  it('stores a call settled within one batch as its settled row alone, and keeps both rows across a batch boundary', async () => {
    const schema = schemas.next();
    const store = await openStore({ schema, flushIntervalInMs: 60_000 });
    const create = (reservationId: string): LedgerEvent => ({ type: 'reservation-create', timeInMs: 1_000, requestId: reservationId, reservedInNanoUsd: 50, data: { reservationId } });
    const commit = (reservationId: string): LedgerEvent => ({ type: 'reservation-commit', timeInMs: 1_001, requestId: reservationId, costInNanoUsd: 30, reservedInNanoUsd: 50, data: { reservationId } });
    void store.append([create('fast'), create('slow')]);
    void store.append([commit('fast')]);
    await store.flush();
    void store.append([commit('slow')]);
    const rows = await store.query({});
    expect(rows.map((row) => `${row.type}:${row.requestId}`)).toEqual(['reservation-create:slow', 'reservation-commit:fast', 'reservation-commit:slow']);
  });

  it('keeps keys across close and reopen, and refuses a second id on a hash another key holds', async () => {
    const schema = schemas.next();
    const first = await createPostgresRecordStore({ url: testPostgresUrl, schema, spoolDirectory: nextSpoolDirectory() });
    await first.putKey(virtualKey('key_a'));
    await first.putKey(virtualKey('key_a', { revokedAtInMs: 4_000 }));
    await first.close();
    const second = await openStore({ schema });
    expect(await second.listKeys()).toEqual([virtualKey('key_a', { revokedAtInMs: 4_000 })]);
    await expect(second.putKey(virtualKey('key_b', { hash: 'hash-of-key_a' }))).rejects.toMatchObject({ code: 'invalid_request', details: { holderId: 'key_a' } });
  });
});

function postgresTarget(): { host: string; port: number } {
  const url = new URL(testPostgresUrl);
  return { host: url.hostname, port: Number(url.port || 5432) };
}
