import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { BudgetLine, Store } from '../src/core/store.js';
import { combineStores } from '../src/stores/combine-stores.js';
import { createMemoryStore } from '../src/stores/memory/memory-store.js';
import { deleteRedisNamespace } from '../src/stores/redis/delete-redis-namespace.js';
import { createRedisBudgetStore } from '../src/stores/redis/redis-budget-store.js';
import { createSqliteStore } from '../src/stores/sqlite/sqlite-store.js';

const warmupIterations = 3_000;
const measuredIterations = 20_000;
const linesPerReservation = 5;

interface Percentiles {
  p50InUs: number;
  p99InUs: number;
  p999InUs: number;
  maxInUs: number;
  meanInUs: number;
}

interface SubjectResult {
  subject: string;
  reserve: Percentiles;
  commit: Percentiles;
  reserveAndCommit: Percentiles;
  /** flush() time after batches of pairs, divided by the pairs: the deferred write cost per reserve+commit. */
  deferredWritePerPairInUs: number;
}

const pairsPerFlush = 500;
const flushRounds = 20;

const lines: BudgetLine[] = Array.from({ length: linesPerReservation }, (_, index) => ({
  key: `team:bench-${index}|day|2026-01-01`,
  scope: `team:bench-${index}`,
  window: 'day',
  windowStartInMs: 0,
  windowEndInMs: Number.MAX_SAFE_INTEGER,
  limitInNanoUsd: Number.MAX_SAFE_INTEGER,
  callLimit: Number.MAX_SAFE_INTEGER,
}));

async function measure(subject: string, store: Store): Promise<SubjectResult> {
  const reserveInNs = new Float64Array(measuredIterations);
  const commitInNs = new Float64Array(measuredIterations);
  const leaseExpiresAtInMs = Date.now() + 3_600_000;
  for (let iteration = -warmupIterations; iteration < measuredIterations; iteration += 1) {
    const reservationId = `${subject}-${iteration}`;
    const start = process.hrtime.bigint();
    const reservation = await store.reserve({ reservationId, lines, amountInNanoUsd: 1_000, leaseExpiresAtInMs });
    const reserved = process.hrtime.bigint();
    await store.commit({ reservationId, actualInNanoUsd: 700 });
    const committed = process.hrtime.bigint();
    if (!reservation.ok) throw new Error(`${subject}: the bench budget refused a reserve; raise its limits.`);
    if (iteration >= 0) {
      reserveInNs[iteration] = Number(reserved - start);
      commitInNs[iteration] = Number(committed - reserved);
    }
    // Untimed: lets timers (background writes) run between calls, as they do between requests in a server.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const pairInNs = reserveInNs.map((value, index) => value + (commitInNs[index] ?? 0));
  return {
    subject,
    reserve: percentiles(reserveInNs),
    commit: percentiles(commitInNs),
    reserveAndCommit: percentiles(pairInNs),
    deferredWritePerPairInUs: await measureDeferredWrites(subject, store, leaseExpiresAtInMs),
  };
}

async function measureDeferredWrites(subject: string, store: Store, leaseExpiresAtInMs: number): Promise<number> {
  let flushInNs = 0n;
  for (let round = 0; round < flushRounds; round += 1) {
    await store.flush();
    for (let pair = 0; pair < pairsPerFlush; pair += 1) {
      const reservationId = `${subject}-flush-${round}-${pair}`;
      await store.reserve({ reservationId, lines, amountInNanoUsd: 1_000, leaseExpiresAtInMs });
      await store.commit({ reservationId, actualInNanoUsd: 700 });
    }
    const start = process.hrtime.bigint();
    await store.flush();
    flushInNs += process.hrtime.bigint() - start;
  }
  return round(Number(flushInNs) / (flushRounds * pairsPerFlush) / 1_000);
}

/** The shared budget store of the multi-replica mode, on the machine's Redis (WARDEN_BENCH_REDIS_URL), in a namespace of its own. */
async function measureRedis(): Promise<SubjectResult> {
  const url = process.env.WARDEN_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  const namespace = `bench_${process.pid}`;
  const redis = createRedisBudgetStore({ url, namespace, sweepIntervalInMs: 0 });
  await redis.ready();
  const store = combineStores(redis, createMemoryStore());
  try {
    return await measure('redis', store);
  } finally {
    await store.close();
    const cleaner = new Redis(url);
    await deleteRedisNamespace(cleaner, namespace);
    cleaner.disconnect();
  }
}

function percentiles(samplesInNs: Float64Array): Percentiles {
  const sorted = Float64Array.from(samplesInNs).sort();
  const at = (fraction: number): number => (sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN) / 1_000;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    p50InUs: round(at(0.5)),
    p99InUs: round(at(0.99)),
    p999InUs: round(at(0.999)),
    maxInUs: round((sorted[sorted.length - 1] ?? Number.NaN) / 1_000),
    meanInUs: round(total / sorted.length / 1_000),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function printTable(results: SubjectResult[]): void {
  const rows = results.flatMap((result) =>
    (['reserve', 'commit', 'reserveAndCommit'] as const).map((operation) => ({ subject: result.subject, operation, ...result[operation] })),
  );
  console.table(rows);
  console.table(results.map((result) => ({ subject: result.subject, deferredWritePerPairInUs: result.deferredWritePerPairInUs })));
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const results: SubjectResult[] = [];
  try {
    const memory = createMemoryStore();
    results.push(await measure('memory', memory));
    await memory.close();
    const sqlite = createSqliteStore({ path: join(directory, 'per-operation.db') });
    results.push(await measure('sqlite per-operation', sqlite));
    await sqlite.close();
    const batched = createSqliteStore({ path: join(directory, 'batched.db'), budgetDurability: 'batched' });
    results.push(await measure('sqlite batched', batched));
    await batched.close();
    results.push(await measureRedis());
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  printTable(results);
  const cpu = cpus()[0];
  const report = {
    benchmark: 'reserve-commit',
    description: `reserve then commit of one reservation over ${linesPerReservation} budget lines, awaited one at a time; µs per operation`,
    warmupIterations,
    measuredIterations,
    environment: {
      cpuModel: cpu?.model ?? 'unknown',
      cpuCount: cpus().length,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      measuredAt: new Date().toISOString(),
    },
    results,
  };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'reserve-commit.json'), `${JSON.stringify(report, null, 2)}\n`);
}

await main();
