import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { combineStores } from '../../src/stores/combine-stores.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createRedisBudgetStore } from '../../src/stores/redis/redis-budget-store.js';
import { dropRedisNamespace, testRedisUrl, uniqueRedisNamespace } from '../support/redis-test-server.js';
import { budgetLine, reserveRequest } from './contract-fixtures.js';
import { describeStoreContract } from './store-contract.js';

const used: string[] = [];
const namespace = (): string => {
  const name = uniqueRedisNamespace('contract');
  used.push(name);
  return name;
};

afterAll(async () => {
  for (const name of used) await dropRedisNamespace(name);
});

describeStoreContract(
  'redis budgets (memory ledger and keys)',
  async (clock) => {
    const budgets = createRedisBudgetStore({ url: testRedisUrl, namespace: namespace(), clock, sweepIntervalInMs: 0 });
    await budgets.ready();
    return combineStores(budgets, createMemoryStore({ clock }));
  },
  { propertyRuns: 25 },
);

describe('Redis budget store: shared by replicas', () => {
  it('holds one limit exactly across several connections reserving at once', async () => {
    const clock = createManualClock(1_000);
    const shared = namespace();
    const replicas = Array.from({ length: 4 }, () => createRedisBudgetStore({ url: testRedisUrl, namespace: shared, clock, sweepIntervalInMs: 0 }));
    await Promise.all(replicas.map((replica) => replica.ready()));
    const line = budgetLine('shared', { limitInNanoUsd: 1_000 });
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, index) => (replicas[index % 4] as (typeof replicas)[number]).reserve(reserveRequest(`r${index}`, [line], 7))));
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(Math.floor(1_000 / 7));
    const [state] = await (replicas[0] as (typeof replicas)[number]).snapshot([line]);
    expect(state?.reservedInNanoUsd).toBe(Math.floor(1_000 / 7) * 7);
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  it('lets a lease another replica took expire and frees its budget, and a late commit still charges', async () => {
    const clock = createManualClock(1_000);
    const shared = namespace();
    const crashed = createRedisBudgetStore({ url: testRedisUrl, namespace: shared, clock, sweepIntervalInMs: 0 });
    const survivor = createRedisBudgetStore({ url: testRedisUrl, namespace: shared, clock, sweepIntervalInMs: 0 });
    await Promise.all([crashed.ready(), survivor.ready()]);
    const line = budgetLine('leases', { limitInNanoUsd: 100 });
    expect((await crashed.reserve(reserveRequest('held', [line], 100, 5_000))).ok).toBe(true);
    await crashed.close();
    expect((await survivor.reserve(reserveRequest('blocked', [line], 1))).ok).toBe(false);
    clock.set(5_000);
    expect((await survivor.reserve(reserveRequest('after', [line], 60))).ok).toBe(true);
    expect(await survivor.commit({ reservationId: 'held', actualInNanoUsd: 30 })).toMatchObject({ applied: true, leaseExpired: true });
    const [state] = await survivor.snapshot([line]);
    expect(state).toMatchObject({ committedInNanoUsd: 30, reservedInNanoUsd: 60 });
    await survivor.close();
  });

  it('fires an alert stage once per window across replicas: one of many concurrent claims of a mark wins', async () => {
    const clock = createManualClock(1_000);
    const shared = namespace();
    const replicas = Array.from({ length: 4 }, () => createRedisBudgetStore({ url: testRedisUrl, namespace: shared, clock, sweepIntervalInMs: 0 }));
    await Promise.all(replicas.map((replica) => replica.ready()));
    const claims = await Promise.all(Array.from({ length: 40 }, (_, index) => (replicas[index % 4] as (typeof replicas)[number]).claimMark('team:x|day|1970-01-01|80', 86_400_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    clock.set(86_400_000);
    expect(await (replicas[1] as (typeof replicas)[number]).claimMark('team:x|day|1970-01-01|80', 172_800_000)).toBe(true);
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  it('refuses with store_unavailable, naming Redis without its password, when the server cannot be reached', async () => {
    const store = createRedisBudgetStore({ url: 'redis://:hunter2-secret@127.0.0.1:1/0', namespace: namespace(), commandTimeoutInMs: 100, sweepIntervalInMs: 0 });
    await expect(store.ready()).rejects.toMatchObject({ code: 'store_unavailable' });
    const refusal = store.reserve(reserveRequest('r', [budgetLine('down', { limitInNanoUsd: 10 })], 1));
    await expect(refusal).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(refusal).rejects.toThrow(/127\.0\.0\.1:1/);
    await expect(refusal).rejects.not.toThrow(/hunter2/);
    expect(store.health()).toMatchObject({ up: false });
    await store.close();
  });
});
