import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combineStores } from '../../src/stores/combine-stores.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createPostgresRecordStore } from '../../src/stores/postgres/postgres-record-store.js';
import { adminKey, createGatewayHarness, type GatewayHarness } from '../e2e/gateway-harness.js';
import { createPostgresTestSchemas } from '../support/postgres-test-schemas.js';
import { testPostgresUrl } from '../support/postgres-test-server.js';

/**
 * The same injection strings as sql-injection.test.ts, through a gateway whose ledger and keys
 * live in PostgreSQL: attribution written and read back as text, ledger filters and report
 * tags matched literally, and every table of the schema still there with its rows.
 */

const injections = ["' OR 1=1 --", '"; DROP TABLE ledger; --', "x'); DROP TABLE virtual_keys; --", "' UNION SELECT hash, hash FROM virtual_keys --"];
const schemas = createPostgresTestSchemas();
const schema = schemas.next();
const spoolDirectory = mkdtempSync(join(tmpdir(), 'warden-hostile-spool-'));
let harness: GatewayHarness;

beforeAll(async () => {
  const records = await createPostgresRecordStore({ url: testPostgresUrl, schema, spoolDirectory, flushIntervalInMs: 5 });
  harness = await createGatewayHarness({ store: combineStores(createMemoryStore(), records) });
});
afterAll(async () => {
  await harness?.close();
  await schemas.dropAll();
  rmSync(spoolDirectory, { recursive: true, force: true });
});

async function get(path: string) {
  const response = await request(`${harness.url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
  return { status: response.statusCode, body: (await response.body.json()) as any };
}

async function tableRows(): Promise<Record<string, number>> {
  const tables = await schemas.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
  const counts: Record<string, number> = {};
  for (const { table_name: name } of tables) counts[name] = Number((await schemas.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}"."${name}"`))[0]?.count);
  return counts;
}

describe('SQL injection with the ledger and keys in PostgreSQL', () => {
  it('stores and filters injection-valued keys, tasks, users and tags as text, and keeps every table', async () => {
    const before = await tableRows();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['ledger', 'virtual_keys']));
    for (const text of injections) {
      const { key, keyId } = await harness.client({ team: text });
      const response = await request(`${harness.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-warden-task': text, 'x-warden-user': text, 'x-warden-tags': `feature=${text.replace(/,/g, ' ')}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
      });
      expect(response.statusCode).toBe(200);
      await response.body.text();
      await harness.store.flush();
      const byTask = await get(`/admin/ledger?taskId=${encodeURIComponent(text)}&limit=10000`);
      expect(byTask.body.rows.length).toBeGreaterThan(0);
      expect(byTask.body.rows.every((row: { taskId?: string; team?: string; user?: string; keyId?: string }) => row.taskId === text && row.team === text && row.user === text && row.keyId === keyId)).toBe(true);
      expect((await get(`/admin/ledger?keyId=${encodeURIComponent(text)}`)).body).toEqual({ rows: [] });
      expect((await get(`/admin/ledger?requestId=${encodeURIComponent(text)}`)).body).toEqual({ rows: [] });
      expect((await harness.gateway.context.keys.list()).find((record) => record.id === keyId)?.team).toBe(text);
    }
    const all = await get('/admin/ledger?limit=10000');
    const byTag = await get(`/admin/reports?by=${encodeURIComponent("tag:x' OR 1=1 --")}&since=1d`);
    expect(byTag.status).toBe(200);
    const byFeature = await get('/admin/reports?by=tag:feature&since=1d');
    expect(byFeature.body.groups.map((group: { key: string }) => group.key).sort()).toEqual(injections.map((text) => text.replace(/,/g, ' ')).sort());
    const after = await tableRows();
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(after.ledger).toBe(all.body.rows.length);
    expect(after.virtual_keys).toBe((before.virtual_keys ?? 0) + injections.length);
  });
});
