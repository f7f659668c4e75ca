import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { combineStores } from '../../src/stores/combine-stores.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createRedisBudgetStore } from '../../src/stores/redis/redis-budget-store.js';
import { withStoreDownPolicy } from '../../src/stores/redis/with-store-down-policy.js';
import { approval } from './guard-contract-cases.js';
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

  it('lets exactly one of several replicas deciding an approval at once win, and every replica sees the winner', async () => {
    const clock = createManualClock(1_000);
    const shared = namespace();
    const replicas = Array.from({ length: 3 }, () => createRedisBudgetStore({ url: testRedisUrl, namespace: shared, clock, sweepIntervalInMs: 0 }));
    await Promise.all(replicas.map((replica) => replica.ready()));
    const [first, second, third] = replicas as [(typeof replicas)[number], (typeof replicas)[number], (typeof replicas)[number]];
    expect(await first.putApproval(approval('apr_shared', { callKey: 'call-shared' }))).toBe(true);
    expect(await second.putApproval(approval('apr_late', { callKey: 'call-shared' }))).toBe(false);
    const decisions = replicas.map((replica, index) => approval('apr_shared', { status: index === 1 ? 'denied' : 'approved', decidedBy: `replica-${index}`, decidedAtInMs: 2_000 }));
    const won = await Promise.all(replicas.map((replica, index) => replica.updateApproval('apr_shared', { fromStatus: 'pending', next: decisions[index] as ReturnType<typeof approval> })));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = decisions[won.indexOf(true)];
    for (const replica of replicas) expect(await replica.findApproval('apr_shared')).toEqual(winner);
    expect(await third.findLatestApproval('call-shared')).toEqual(winner);
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  it('loses no task guard update when four replicas change the same task at once', async () => {
    const clock = createManualClock(1_000);
    const shared = namespace();
    const replicas = Array.from({ length: 4 }, () => createRedisBudgetStore({ url: testRedisUrl, namespace: shared, clock, sweepIntervalInMs: 0 }));
    await Promise.all(replicas.map((replica) => replica.ready()));
    const updates = Array.from({ length: 24 }, (_, index) =>
      (replicas[index % 4] as (typeof replicas)[number]).updateTaskGuard({
        taskId: 'spread',
        nowInMs: 1_000,
        keepForInMs: 60_000,
        change: (previous) => ({ taskId: 'spread', firstSeenInMs: previous?.firstSeenInMs ?? 1_000, lastSeenInMs: 1_000, toolCalls: (previous?.toolCalls ?? 0) + 1 }),
      }),
    );
    await Promise.all(updates);
    expect((await (replicas[2] as (typeof replicas)[number]).findTaskGuard('spread', 1_000))?.toolCalls).toBe(24);
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  it('refuses approvals with store_unavailable while Redis is away; task records fall back to this replica only under local-allowance', async () => {
    const increment = { taskId: 't', nowInMs: 1_000, keepForInMs: 60_000, change: (previous: { toolCalls: number } | undefined) => ({ taskId: 't', firstSeenInMs: 1_000, lastSeenInMs: 1_000, toolCalls: (previous?.toolCalls ?? 0) + 1 }) };
    const down = () => createRedisBudgetStore({ url: 'redis://127.0.0.1:1/0', namespace: namespace(), commandTimeoutInMs: 100, sweepIntervalInMs: 0 });
    const local = withStoreDownPolicy(down(), { defaultPolicy: 'local-allowance', replicas: 2 });
    await expect(local.putApproval(approval('apr_1'))).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(local.listApprovals()).rejects.toMatchObject({ code: 'store_unavailable' });
    await local.updateTaskGuard(increment);
    expect((await local.updateTaskGuard(increment))?.toolCalls).toBe(2);
    expect((await local.findTaskGuard('t', 1_000))?.toolCalls).toBe(2);
    const closed = withStoreDownPolicy(down(), { defaultPolicy: 'fail-closed', replicas: 2 });
    await expect(closed.updateTaskGuard(increment)).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(closed.findTaskGuard('t', 1_000)).rejects.toMatchObject({ code: 'store_unavailable' });
    await Promise.all([local.close(), closed.close()]);
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
