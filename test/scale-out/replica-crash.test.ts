import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplica, type Replica } from '../../bench/subjects/start-replica.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { createGatewayHarness, waitFor } from '../e2e/gateway-harness.js';
import { testPostgresUrl } from '../support/postgres-test-server.js';
import { dropRedisNamespace, testRedisUrl, uniqueRedisNamespace } from '../support/redis-test-server.js';
import { createTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';

const adminKey = 'crash-admin-key-0123456789';
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 64 };
const namespace = uniqueRedisNamespace('crash');
const postgres = new pg.Pool({ connectionString: testPostgresUrl, max: 2 });
let directory: string;
let mock: MockUpstream;
let proxy: TcpFaultProxy;
const replicas: Replica[] = [];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'warden-crash-'));
  mock = await createMockUpstream({ promptCaching: false });
  proxy = await createTcpFaultProxy({ host: '127.0.0.1', port: Number(new URL(testPostgresUrl).port || 5432) });
});
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.kill()));
  await proxy.close();
  await mock.close();
  await dropRedisNamespace(namespace);
  await postgres.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
  await postgres.end();
  rmSync(directory, { recursive: true, force: true });
});

/** What one chat call reserves and costs, measured in process on the same mock. */
async function reservationOfOneCall(): Promise<{ reserved: number; cost: number }> {
  const harness = await createGatewayHarness({ mock });
  try {
    const { key } = await harness.client();
    await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(chat) }).then((answer) => answer.text());
    const commit = (await harness.rows('reservation-commit'))[0];
    return { reserved: commit?.reservedInNanoUsd ?? 0, cost: commit?.costInNanoUsd ?? 0 };
  } finally {
    await harness.close();
  }
}

const call = (replica: Replica, key: string, stream: boolean): Promise<Response> =>
  fetch(`${replica.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...chat, stream }) });

describe('a replica killed (SIGKILL) with streams in flight', () => {
  it('frees its reservations when their leases end, and after a restart the ledger holds every call that reached the upstream', async () => {
    mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { reserved, cost } = await reservationOfOneCall();
    expect(reserved).toBeGreaterThan(cost);
    // Room for two warm-up calls and three calls' reservations, not four.
    const limit = 2 * cost + Math.floor(3.5 * reserved);
    const config = {
      admin: { key: adminKey, secret: 'crash-secret-0123456789abcdef' },
      providers: { openai: { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: 'sk-crash' } },
      budgets: [{ scope: 'team:t', window: 'day', hard: (limit / 1e9).toFixed(9), clamp: false }],
      estimation: { leaseInSeconds: 2 },
      // PostgreSQL is reached through a proxy that is cut before the streams start: their rows can reach it only from the spool.
      storage: { budgets: testRedisUrl, ledger: proxy.urlThrough(testPostgresUrl), namespace, replicas: 2 },
      logging: { level: 'warn', requests: false },
    };
    const [doomed, survivor] = await Promise.all([0, 1].map((index) => startReplica({ directory, index, config })));
    replicas.push(doomed as Replica, survivor as Replica);
    const created = await fetch(`${doomed?.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'agent', team: 't' }) });
    const { key } = (await created.json()) as { key: string };
    // Both replicas have seen the key: while PostgreSQL is away they keep accepting it.
    for (const replica of [doomed, survivor] as Replica[]) expect((await call(replica, key, false).then(async (answer) => [answer.status, await answer.text()]))[0]).toBe(200);

    proxy.cut();
    mock.setBehavior({ inputTokens: 10, outputTokens: 60, chunkIntervalInMs: 500 });
    const streams = await Promise.all([0, 1, 2].map(() => call(doomed as Replica, key, true))).catch((error: unknown) => {
      throw new Error(`the streams could not start: ${String(error)}; the replica said:\n${doomed?.output()}`, { cause: error });
    });
    expect(streams.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const requestIds = streams.map((answer) => answer.headers.get('x-warden-request-id'));
    // The first chunk of each has arrived: all three reached the upstream.
    await Promise.all(streams.map((answer) => answer.body?.getReader().read()));
    expect(mock.requests.filter((request) => request.outcome === 'pending')).toHaveLength(3);

    const refused = await call(survivor as Replica, key, false);
    expect(refused.status).toBe(402);
    await (doomed as Replica).kill();

    // The dead replica's leases end after 2 s; the survivor then has the budget again.
    mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const admitted = await waitFor(async () => {
      const answer = await call(survivor as Replica, key, false);
      await answer.text();
      return answer.status === 200 ? answer : undefined;
    }, 10_000);
    expect(admitted.status).toBe(200);

    proxy.restore();
    const restarted = await startReplica({ directory, index: 0, config });
    replicas.push(restarted);
    const rows = await waitFor(async () => {
      const { rows: found } = await postgres.query<{ request_id: string }>(`SELECT request_id FROM "${namespace}".ledger WHERE type = 'reservation-create' AND request_id = ANY($1)`, [requestIds]);
      return found.length === 3 ? found : undefined;
    }, 10_000);
    expect(rows.map((row) => row.request_id).sort()).toEqual([...requestIds].sort());
  });
});
