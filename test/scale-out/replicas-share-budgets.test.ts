import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetLineKey, windowBounds } from '../../src/core/budget-window.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { createRedisBudgetStore } from '../../src/stores/redis/redis-budget-store.js';
import { createGatewayHarness } from '../e2e/gateway-harness.js';
import { testPostgresUrl } from '../support/postgres-test-server.js';
import { dropRedisNamespace, testRedisUrl, uniqueRedisNamespace } from '../support/redis-test-server.js';
import { startReplica, type Replica } from '../../bench/subjects/start-replica.js';

const adminKey = 'scale-out-admin-key-0123456789';
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 64 };
const namespace = uniqueRedisNamespace('replicas');
let directory: string;
let mock: MockUpstream;
let replicas: Replica[] = [];
const postgres = new pg.Pool({ connectionString: testPostgresUrl, max: 2 });

/** One call's reservation (= its cost, as the mock is set up) and input-token bound, measured in process. */
async function probeCallCost(): Promise<{ reserved: number; inputTokensBound: number }> {
  const harness = await createGatewayHarness({ mock });
  try {
    const { key } = await harness.client();
    const answer = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(chat) });
    expect(answer.status).toBe(200);
    const create = (await harness.rows('reservation-create'))[0];
    const commit = (await harness.rows('reservation-commit'))[0];
    return { reserved: commit?.reservedInNanoUsd ?? 0, inputTokensBound: create?.data?.inputTokensBound as number };
  } finally {
    await harness.close();
  }
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'warden-replicas-'));
  mock = await createMockUpstream({ promptCaching: false, maxRecordedRequests: 2_000 });
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.kill()));
  await mock?.close();
  await dropRedisNamespace(namespace);
  await postgres.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
  await postgres.end();
  rmSync(directory, { recursive: true, force: true });
});

describe('four gateway replicas on one Redis and one PostgreSQL', () => {
  it('admit exactly 123 of 1,000 concurrent requests against a team budget for 123, with one ledger row per request', async () => {
    const { inputTokensBound } = await probeCallCost();
    // The mock reports exactly the input bound and fills max_tokens, so each call costs exactly its reservation.
    mock.setBehavior({ inputTokens: inputTokensBound, outputTokens: 1_000, latencyInMs: 20 });
    const { reserved } = await probeCallCost();
    const admitted = 123;
    const limit = admitted * reserved;
    const config = {
      admin: { key: adminKey, secret: 'scale-out-secret-0123456789abcdef' },
      providers: { openai: { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: 'sk-scale-out' } },
      budgets: [{ scope: 'team:t', window: 'day', hard: (limit / 1e9).toFixed(9), clamp: false }],
      // This test is about exact admission, not outages (store-outages.test.ts): a machine busy
      // with other suites must not turn a slow Redis answer into a 503.
      storage: { budgets: testRedisUrl, ledger: testPostgresUrl, namespace, replicas: 4, budgetStoreTimeoutInMs: 5_000 },
      logging: { level: 'warn', requests: false },
    };
    replicas = await Promise.all([0, 1, 2, 3].map((index) => startReplica({ directory, index, config })));

    const created = await fetch(`${replicas[0]?.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'fleet', team: 't' }) });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const sentBefore = mock.requests.length;

    const statuses = await Promise.all(
      Array.from({ length: 1_000 }, async (_, index) => {
        const replica = replicas[index % 4] as Replica;
        const answer = await fetch(`${replica.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(chat) });
        const body = (await answer.json()) as { error?: { code?: string } };
        return answer.status === 200 ? 'ok' : `${answer.status} ${body.error?.code ?? ''}`;
      }),
    );
    const counts = statuses.reduce<Record<string, number>>((tally, status) => ({ ...tally, [status]: (tally[status] ?? 0) + 1 }), {});
    expect(counts, replicas.map((replica) => replica.output()).join('\n')).toEqual({ ok: admitted, '402 budget_exceeded': 1_000 - admitted });
    expect(mock.requests.length - sentBefore).toBe(admitted);

    // Stopping (SIGTERM) drains and flushes every replica's ledger.
    await Promise.all(replicas.map((replica) => replica.stop()));
    const line = budgetLineKey('team:t', windowBounds({ window: 'day', timeInMs: Date.now() }));
    const reader = createRedisBudgetStore({ url: testRedisUrl, namespace, sweepIntervalInMs: 0 });
    await reader.ready();
    const [state] = await reader.snapshot([line]);
    await reader.close();
    expect(state).toMatchObject({ committedInNanoUsd: admitted * reserved, reservedInNanoUsd: 0 });
    expect(state?.committedInNanoUsd).toBeLessThanOrEqual(limit);

    const { rows } = await postgres.query<{ type: string; count: string; requests: string }>(
      `SELECT type, count(*) AS count, count(DISTINCT request_id) AS requests FROM "${namespace}".ledger WHERE type IN ('reservation-commit', 'call-refuse') GROUP BY type ORDER BY type`,
    );
    expect(rows).toEqual([
      { type: 'call-refuse', count: String(1_000 - admitted), requests: String(1_000 - admitted) },
      { type: 'reservation-commit', count: String(admitted), requests: String(admitted) },
    ]);
    const spent = await postgres.query<{ total: string }>(`SELECT sum(cost_in_nano_usd) AS total FROM "${namespace}".ledger WHERE type = 'reservation-commit'`);
    expect(Number(spent.rows[0]?.total)).toBe(admitted * reserved);
  });
});
