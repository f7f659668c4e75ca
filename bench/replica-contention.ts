import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { deleteRedisNamespace } from '../src/stores/redis/delete-redis-namespace.js';
import { benchEnvironment } from './bench-environment.js';
import { waitForLedgerRows } from './load/read-admin-ledger.js';
import { chatRequestBody, ErrorTally } from './load/send-chat-request.js';
import { startReplica, type Replica } from './subjects/start-replica.js';
import { startSubject, type SubjectProcess } from './subjects/start-subject.js';
import { benchAdminKey } from './subjects/subject-names.js';

/**
 * W5 across replicas: four `warden serve` processes share one Redis (budgets) and one PostgreSQL
 * (ledger, keys); a team budget covers exactly K calls and N requests arrive at once, spread over
 * the four. Every call costs exactly its reservation (the mock reports Warden's input-token bound
 * and fills max_tokens), so the right outcome is K admitted, overshoot 0 and no false refusal.
 * Run: npm run build && node dist/bench/replica-contention.js [requests=1000] [affordable=137] [rounds=3]
 */
const [requests = 1_000, affordable = 137, rounds = 3] = process.argv.slice(2).map(Number);
const redisUrl = process.env.WARDEN_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const postgresUrl = process.env.WARDEN_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const replicaCount = 4;

interface Round {
  admitted: number;
  refused: number;
  committedInNanoUsd: number;
  overshootInNanoUsd: number;
  falseRefusals: number;
  ledgerCommitRows: number;
  requestsPerSecond: number;
  errors: number;
  errorSamples: string[];
}

const directory = mkdtempSync(join(tmpdir(), 'warden-bench-replicas-'));
const namespaces: string[] = [];
const started: Array<Replica | SubjectProcess> = [];

function configFor(namespace: string, mockUrl: string, limitInNanoUsd: number | undefined): Record<string, unknown> {
  return {
    admin: { key: benchAdminKey, secret: 'bench-replicas-secret-0123456789' },
    providers: { openai: { type: 'openai', baseUrl: `${mockUrl}/v1`, apiKey: 'bench' } },
    budgets: limitInNanoUsd === undefined ? [] : [{ scope: 'team:t', window: 'day', hard: (limitInNanoUsd / 1e9).toFixed(9), clamp: false }],
    storage: { budgets: redisUrl, ledger: postgresUrl, namespace, replicas: replicaCount },
    logging: { level: 'warn', requests: false },
  };
}

async function startSet(namespace: string, mockUrl: string, limitInNanoUsd: number | undefined, count: number): Promise<{ replicas: Replica[]; key: string }> {
  namespaces.push(namespace);
  const config = configFor(namespace, mockUrl, limitInNanoUsd);
  const replicas = await Promise.all(Array.from({ length: count }, (_, index) => startReplica({ directory: join(directory, namespace), index, config })));
  started.push(...replicas);
  const created = await request(`${replicas[0]?.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${benchAdminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', team: 't' }) });
  const body = (await created.body.json()) as { key: string };
  return { replicas, key: body.key };
}

async function probe(url: string, key: string): Promise<{ inputTokensBound: number; cost: number; reserved: number }> {
  const answer = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: chatRequestBody });
  await answer.body.text();
  const requestId = answer.headers['x-warden-request-id'];
  if (answer.statusCode !== 200 || typeof requestId !== 'string') throw new Error(`probe call answered ${answer.statusCode}`);
  const [commit] = await waitForLedgerRows({ url, requestId, types: ['reservation-commit'], ready: (rows) => rows.length > 0, timeoutInMs: 10_000 });
  return { inputTokensBound: Number(commit?.data?.inputTokensBound), cost: commit?.costInNanoUsd ?? 0, reserved: commit?.reservedInNanoUsd ?? 0 };
}

async function contend(replicas: Replica[], key: string, limitInNanoUsd: number, cost: number): Promise<Round> {
  const errors = new ErrorTally();
  let admitted = 0;
  let refused = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: requests }, async (_, index) => {
      const replica = replicas[index % replicas.length] as Replica;
      try {
        const answer = await request(`${replica.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: chatRequestBody });
        const text = await answer.body.text();
        if (answer.statusCode === 200) admitted += 1;
        else if (answer.statusCode === 402 && text.includes('budget_exceeded')) refused += 1;
        else errors.add(`HTTP ${answer.statusCode}: ${text.slice(0, 300)}`);
      } catch (error) {
        errors.add(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1_000;
  const commits = await waitForLedgerRows({ url: (replicas[0] as Replica).url, types: ['reservation-commit'], ready: (rows) => rows.length >= admitted, timeoutInMs: 10_000 });
  const committedInNanoUsd = commits.reduce((sum, row) => sum + (row.costInNanoUsd ?? 0), 0);
  const roomForCalls = Math.floor((limitInNanoUsd - committedInNanoUsd) / cost);
  return {
    admitted,
    refused,
    committedInNanoUsd,
    overshootInNanoUsd: Math.max(0, committedInNanoUsd - limitInNanoUsd),
    falseRefusals: refused > 0 ? Math.min(refused, Math.max(0, roomForCalls)) : 0,
    ledgerCommitRows: commits.length,
    requestsPerSecond: Math.round(requests / seconds),
    errors: errors.count,
    errorSamples: errors.samples,
  };
}

async function cleanUp(): Promise<void> {
  await Promise.all(started.map((process) => ('kill' in process ? process.kill() : process.stop())));
  const redis = new Redis(redisUrl);
  const postgres = new pg.Pool({ connectionString: postgresUrl, max: 1 });
  for (const namespace of namespaces) {
    await deleteRedisNamespace(redis, namespace);
    await postgres.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
  }
  redis.disconnect();
  await postgres.end();
  rmSync(directory, { recursive: true, force: true });
}

try {
  const mock = await startSubject({ file: './mock-upstream-subject.js', args: [JSON.stringify({ outputTokens: 16 })], cpu: undefined });
  started.push(mock);
  const probing = await startSet(`bench_probe_${process.pid}`, mock.url, undefined, 1);
  const { inputTokensBound } = await probe((probing.replicas[0] as Replica).url, probing.key);
  await mock.control({ inputTokens: inputTokensBound, outputTokens: 1_000, latencyInMs: 20 });
  const { cost, reserved } = await probe((probing.replicas[0] as Replica).url, probing.key);
  if (cost <= 0 || cost !== reserved) throw new Error(`each call must cost exactly its reservation; the probe cost ${cost} and reserved ${reserved}`);
  await Promise.all(probing.replicas.map((replica) => replica.stop()));
  const limitInNanoUsd = affordable * cost;
  const results: Round[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const set = await startSet(`bench_replicas_${process.pid}_${round}`, mock.url, limitInNanoUsd, replicaCount);
    results.push(await contend(set.replicas, set.key, limitInNanoUsd, cost));
    await Promise.all(set.replicas.map((replica) => replica.stop()));
    console.log(`round ${round + 1}:`, JSON.stringify(results.at(-1)));
  }
  const report = { benchmark: 'replica-contention', replicas: replicaCount, requests, affordableCalls: affordable, costPerCallInNanoUsd: cost, limitInNanoUsd, environment: benchEnvironment(), rounds: results };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'replica-contention.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.table(results.map(({ errorSamples, ...round }) => round));
  const failed = results.some((round) => round.overshootInNanoUsd > 0 || round.falseRefusals > 0 || round.errors > 0);
  if (failed) {
    console.error('Overshoot, false refusals or errors: see bench/results/replica-contention.json.');
    process.exitCode = 1;
  }
} finally {
  await cleanUp();
}
