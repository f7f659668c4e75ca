import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/cli/serve.js';
import { budgetLineKey, windowBounds } from '../../src/core/budget-window.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { createRedisBudgetStore } from '../../src/stores/redis/redis-budget-store.js';
import { waitFor } from '../e2e/gateway-harness.js';
import { testPostgresUrl } from '../support/postgres-test-server.js';
import { dropRedisNamespace, testRedisUrl, uniqueRedisNamespace } from '../support/redis-test-server.js';
import { startPrivateRedisServer } from '../support/private-redis-server.js';
import { createTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';

const adminKey = 'outage-admin-key-0123456789';
const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 64 });
const namespaces: string[] = [];
const postgres = new pg.Pool({ connectionString: testPostgresUrl, max: 2 });
let directory: string;
let mock: MockUpstream;
let proxy: TcpFaultProxy | undefined;
let gateway: RunningGateway | undefined;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'warden-outages-'));
  mock = await createMockUpstream({ promptCaching: false, maxRecordedRequests: 1_000 });
  mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
});
afterEach(async () => {
  await gateway?.stop(0).catch(() => undefined);
  gateway = undefined;
  await proxy?.close();
  proxy = undefined;
});
afterAll(async () => {
  await mock.close();
  for (const namespace of namespaces) {
    await dropRedisNamespace(namespace);
    await postgres.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
  }
  await postgres.end();
  rmSync(directory, { recursive: true, force: true });
});

/** A gateway (in this process) with the given storage section and a team key; returns a function that sends one chat call. */
async function startWith(storage: Record<string, unknown>, budgets: unknown[] = []): Promise<{ send(): Promise<{ status: number; code?: string; elapsedInMs: number }>; namespace: string }> {
  const namespace = uniqueRedisNamespace('outage');
  namespaces.push(namespace);
  const configPath = join(directory, `${namespace}.yaml`);
  writeFileSync(
    configPath,
    JSON.stringify({
      server: { sqlitePath: join(directory, `${namespace}.db`) },
      admin: { key: adminKey, secret: 'outage-secret-0123456789abcdef' },
      providers: { openai: { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: 'sk-outage' } },
      budgets,
      storage: { namespace, spoolDirectory: join(directory, `${namespace}-spool`), ...storage },
      logging: { level: 'silent', requests: false },
    }),
  );
  gateway = await startGateway({ configPath, port: 0, host: '127.0.0.1', quiet: true, env: {} });
  const created = await fetch(`${gateway.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'agent', team: 't' }) });
  expect(created.status).toBe(201);
  const { key } = (await created.json()) as { key: string };
  const url = gateway.url;
  return {
    namespace,
    async send() {
      const started = performance.now();
      const answer = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: chat });
      const body = (await answer.json()) as { error?: { code?: string; message?: string } };
      return { status: answer.status, ...(body.error?.code === undefined ? {} : { code: body.error.code, message: body.error.message }), elapsedInMs: performance.now() - started };
    },
  };
}

async function readiness(): Promise<{ status: number; body: { status: string } }> {
  const answer = await fetch(`${gateway?.url}/readyz`);
  return { status: answer.status, body: (await answer.json()) as { status: string } };
}

function teamState(namespace: string): Promise<{ committedInNanoUsd: number; reservedInNanoUsd: number } | undefined> {
  return teamStateAt(testRedisUrl, namespace);
}

async function teamStateAt(url: string, namespace: string): Promise<{ committedInNanoUsd: number; reservedInNanoUsd: number } | undefined> {
  const reader = createRedisBudgetStore({ url, namespace, sweepIntervalInMs: 0 });
  try {
    await reader.ready();
    return (await reader.snapshot([budgetLineKey('team:t', windowBounds({ window: 'day', timeInMs: Date.now() }))]))[0];
  } finally {
    await reader.close();
  }
}

describe('Redis stops mid-load', () => {
  it('fail-closed: refuses with store_unavailable within the bound while it is away, then resumes with the budget state intact', async () => {
    proxy = await createTcpFaultProxy({ host: '127.0.0.1', port: Number(new URL(testRedisUrl).port || 6379) });
    const { send, namespace } = await startWith({ budgets: proxy.urlThrough(testRedisUrl), budgetStoreTimeoutInMs: 200 }, [{ scope: 'team:t', window: 'day', hard: '1' }]);
    const before = await Promise.all(Array.from({ length: 20 }, () => send()));
    expect(before.filter((result) => result.status !== 200)).toEqual([]);
    const committedBefore = (await teamState(namespace))?.committedInNanoUsd ?? 0;
    expect(committedBefore).toBeGreaterThan(0);

    proxy.cut();
    const during = await Promise.all(Array.from({ length: 20 }, () => send()));
    expect(during.map((result) => `${result.status} ${result.code}`)).toEqual(Array.from({ length: 20 }, () => '503 store_unavailable'));
    // The bound: one command timeout, plus a reconnect attempt; never an open-ended hang.
    expect(Math.max(...during.map((result) => result.elapsedInMs))).toBeLessThan(2_000);
    expect(await readiness()).toMatchObject({ status: 503, body: { status: 'unavailable', store: { budgets: { backend: 'redis', up: false, policy: 'fail-closed' } } } });
    const metrics = await (await fetch(`${gateway?.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text();
    expect(metrics).toContain('warden_store_up{part="budgets",backend="redis"} 0');
    expect(metrics).toContain('warden_store_up{part="ledger",backend="sqlite"} 1');

    proxy.restore();
    await waitFor(async () => ((await readiness()).status === 200 ? true : undefined), 10_000);
    const after = await Promise.all(Array.from({ length: 10 }, () => send()));
    expect(after.every((result) => result.status === 200)).toBe(true);
    const state = await teamState(namespace);
    expect(state).toMatchObject({ reservedInNanoUsd: 0 });
    expect(state?.committedInNanoUsd).toBe(committedBefore * 1.5);
  });

  it('fail-closed with a real Redis killed and restarted on its append-only file: clear refusals while it is down, the budget state intact after', async () => {
    const redis = await startPrivateRedisServer(mkdtempSync(join(directory, 'redis-')));
    onTestFinished(() => redis.kill());
    const { send, namespace } = await startWith({ budgets: redis.url, budgetStoreTimeoutInMs: 200 }, [{ scope: 'team:t', window: 'day', hard: '1' }]);
    const state = () => teamStateAt(redis.url, namespace);
    const before = await Promise.all(Array.from({ length: 10 }, () => send()));
    expect(before.filter((result) => result.status !== 200)).toEqual([]);
    const committedBefore = (await state())?.committedInNanoUsd ?? 0;
    expect(committedBefore).toBeGreaterThan(0);

    await redis.kill();
    const during = await Promise.all(Array.from({ length: 10 }, () => send()));
    expect(during.map((result) => `${result.status} ${result.code}`)).toEqual(Array.from({ length: 10 }, () => '503 store_unavailable'));
    expect(await readiness()).toMatchObject({ status: 503, body: { status: 'unavailable' } });

    await redis.start();
    await waitFor(async () => ((await readiness()).status === 200 ? true : undefined), 10_000);
    const after = await Promise.all(Array.from({ length: 10 }, () => send()));
    expect(after.filter((result) => result.status !== 200)).toEqual([]);
    expect(await state()).toMatchObject({ committedInNanoUsd: committedBefore * 2, reservedInNanoUsd: 0 });
  });

  it('local-allowance: spends at most its share of what was left while Redis is away, and adds that spend to Redis when it is back', async () => {
    proxy = await createTcpFaultProxy({ host: '127.0.0.1', port: Number(new URL(testRedisUrl).port || 6379) });
    const { send, namespace } = await startWith({ budgets: proxy.urlThrough(testRedisUrl), budgetStoreTimeoutInMs: 200, onBudgetStoreDown: 'local-allowance', replicas: 2 }, [
      { scope: 'team:t', window: 'day', hard: '0.001', clamp: false },
    ]);
    expect((await send()).status).toBe(200);
    const first = await teamState(namespace);
    const cost = first?.committedInNanoUsd ?? 0;
    expect(cost).toBeGreaterThan(0);

    proxy.cut();
    const during: Array<{ status: number; code?: string }> = [];
    for (let index = 0; index < 80; index += 1) during.push(await send());
    const admitted = during.filter((result) => result.status === 200).length;
    expect(admitted, JSON.stringify(during.slice(0, 3))).toBeGreaterThan(0);
    expect(during.filter((result) => result.status !== 200).every((result) => result.code === 'budget_exceeded')).toBe(true);
    // This replica's share: half of what the limit had left when Redis was last seen.
    expect(admitted * cost).toBeLessThanOrEqual((1_000_000 - cost) / 2);
    expect(await readiness()).toMatchObject({ status: 200, body: { status: 'degraded' } });

    proxy.restore();
    const synced = await waitFor(async () => {
      const state = await teamState(namespace).catch(() => undefined);
      return state !== undefined && state.committedInNanoUsd === cost * (admitted + 1) ? state : undefined;
    }, 10_000);
    expect(synced.reservedInNanoUsd).toBe(0);
  });
});

describe('PostgreSQL stops mid-load', () => {
  it('answers every request while it is away and loses no ledger row once it is back', async () => {
    proxy = await createTcpFaultProxy({ host: '127.0.0.1', port: Number(new URL(testPostgresUrl).port || 5432) });
    const { send, namespace } = await startWith({ ledger: proxy.urlThrough(testPostgresUrl) });
    const before = await Promise.all(Array.from({ length: 10 }, () => send()));
    proxy.cut();
    const during = await Promise.all(Array.from({ length: 15 }, () => send()));
    // Past the key lookup cache's second: the key seen before keeps working while PostgreSQL is away.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    during.push(...(await Promise.all(Array.from({ length: 15 }, () => send()))));
    expect([...before, ...during].every((result) => result.status === 200)).toBe(true);
    expect(await readiness()).toMatchObject({ status: 200 });
    proxy.restore();
    await gateway?.stop();
    gateway = undefined;
    const { rows } = await postgres.query<{ count: string }>(`SELECT count(DISTINCT request_id) AS count FROM "${namespace}".ledger WHERE type = 'reservation-commit'`);
    expect(Number(rows[0]?.count)).toBe(40);
  });
});
