import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { LedgerEvent } from '../src/core/ledger-event.js';
import { createRecordingOutput } from '../src/cli/cli-output.js';
import { runCli } from '../src/cli/run-cli.js';
import { createSqliteStore } from '../src/stores/sqlite/sqlite-store.js';
import { benchEnvironment } from './bench-environment.js';
import { createSeededRandom } from '../src/core/seeded-random.js';

/**
 * `npm run bench:report`: seeds 1,000,000 ledger rows into a temporary SQLite file through the
 * store's append (a month of agent traffic: tasks of four types over six teams, 20 keys, 2,000
 * users, four models, tiers, retries, refusals, cache hits, task outcomes), then times
 * `warden report` over them, in process, for several groupings. `--db <file>` keeps the seeded
 * file there and reuses it on the next run; `--rows <n>` seeds another count.
 */
const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const rowCount = Number(argument('--rows') ?? 1_000_000);
const keptPath = argument('--db');
const runs = 3;
const sinceInMs = Date.UTC(2026, 9, 1);
const periodInMs = 30 * 86_400_000;

const taskTypes = [
  { name: 'search', share: 0.45, calls: 6, meanCostInNanoUsd: 400_000 },
  { name: 'extract', share: 0.3, calls: 3, meanCostInNanoUsd: 900_000 },
  { name: 'generate', share: 0.2, calls: 12, meanCostInNanoUsd: 2_500_000 },
  { name: 'review', share: 0.05, calls: 20, meanCostInNanoUsd: 6_000_000 },
];
const models = ['gpt-4o-mini', 'gpt-4.1-nano', 'claude-haiku-4-5', 'claude-sonnet-4-5'];
const tiers = ['fast', 'balanced', 'premium'];

/** The ledger rows of one month of tasks, in time order, `count` of them. */
function* ledgerEvents(count: number): Generator<LedgerEvent> {
  const random = createSeededRandom(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const usage = { inputTokens: 1_800, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWriteLongTokens: 0, outputTokens: 420, reasoningTokens: 0 };
  const averageRowsPerTask = 8.6;
  const tasks = Math.ceil(count / averageRowsPerTask);
  let produced = 0;
  for (let taskIndex = 0; produced < count; taskIndex += 1) {
    const roll = random();
    let cumulative = 0;
    const type = taskTypes.find((candidate) => (cumulative += candidate.share) >= roll) ?? (taskTypes[0] as (typeof taskTypes)[number]);
    const team = `team-${taskIndex % 6}`;
    const attribution = {
      org: 'default',
      team,
      keyId: `key_${(taskIndex * 7) % 20}`,
      user: `user-${Math.floor(random() * 2_000)}`,
      taskId: `task-${taskIndex}`,
      taskType: type.name,
      tags: { feature: pick(['chat', 'search', 'ingest', 'triage']) },
    };
    const model = pick(models);
    const tier = random() < 0.4 ? pick(tiers) : undefined;
    const calls = 1 + Math.floor(random() * type.calls * 2);
    let timeInMs = sinceInMs + Math.floor((taskIndex / tasks) * periodInMs);
    for (let call = 0; call < calls && produced < count; call += 1) {
      timeInMs += 1 + Math.floor(random() * 3_000);
      const requestId = `req-${taskIndex}-${call}`;
      const common = { ...attribution, requestId, requestedModel: tier ?? model, model, provider: model.startsWith('claude') ? 'anthropic' : 'openai' };
      const data = { route: '/v1/chat/completions', upstream: common.provider, stream: random() < 0.5, cache: 'miss', queueInMs: 1, upstreamInMs: 900, totalInMs: 905, maxTokens: 1_024, inputTokensBound: 1_900, ...(tier === undefined ? {} : { tier }) };
      // Costs spread log-normally around the type's mean per call, so p95 and p99 sit well above the mean.
      const costInNanoUsd = Math.max(1, Math.round((type.meanCostInNanoUsd / type.calls) * Math.exp(0.9 * gaussian(random) - 0.4)));
      const kind = random();
      if (kind < 0.02) {
        yield { ...common, type: 'call-refuse', timeInMs, status: 'refused', errorCode: random() < 0.7 ? 'budget_exceeded' : 'kill_switch', data: { message: 'refused' } };
        produced += 1;
      } else if (kind < 0.05) {
        yield { ...common, type: 'cache-serve', timeInMs, usage, costInNanoUsd: 0, status: 'cached', latencyInMs: 2, data: { route: data.route, cache: 'hit', savedInNanoUsd: costInNanoUsd } };
        produced += 1;
      } else {
        const retried = kind > 0.97;
        if (retried) {
          yield { ...common, type: 'reservation-release', timeInMs, costInNanoUsd: 0, reservedInNanoUsd: costInNanoUsd * 3, status: 'upstream_error', errorCode: 'http_503', retries: 0, data: { ...data, reservationId: `${requestId}-0` } };
          yield { ...common, type: 'call-retry', timeInMs, retries: 0, data: { attempt: 1, failure: 'openai answered 503', delayInMs: 250 } };
          produced += 2;
        }
        yield { ...common, type: 'reservation-commit', timeInMs: timeInMs + 1, usage, costInNanoUsd, reservedInNanoUsd: costInNanoUsd * 3, status: 'ok', retries: retried ? 1 : 0, latencyInMs: 905, data: { ...data, reservationId: `${requestId}-${retried ? 1 : 0}` } };
        produced += 1;
      }
    }
    if (produced < count && random() < 0.85) {
      yield { type: 'task-finish', timeInMs: timeInMs + 5, taskId: attribution.taskId, taskType: type.name, team, org: 'default', data: { outcome: random() < 0.82 ? 'success' : 'failure', by: 'sdk' } };
      produced += 1;
    }
  }
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Appends `count` rows through the store in batches of 5,000; the time per row is the ledger's write cost. */
async function seed(path: string, count: number): Promise<{ seconds: number; microsecondsPerRow: number }> {
  const store = createSqliteStore({ path, pruneIntervalInMs: 0, maxBatchSize: 5_000 });
  const started = process.hrtime.bigint();
  let batch: LedgerEvent[] = [];
  for (const event of ledgerEvents(count)) {
    batch.push(event);
    if (batch.length === 5_000) {
      await store.append(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await store.append(batch);
  await store.close();
  const nanoseconds = Number(process.hrtime.bigint() - started);
  return { seconds: nanoseconds / 1e9, microsecondsPerRow: nanoseconds / 1e3 / count };
}

function ledgerRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS count FROM ledger').get() as { count: number }).count;
  } finally {
    db.close();
  }
}

async function timeReport(path: string, by: string): Promise<{ by: string; secondsPerRun: number[]; rowsScanned: number; groups: number }> {
  const secondsPerRun: number[] = [];
  let parsed: { rowsScanned: number; groups: unknown[] } = { rowsScanned: 0, groups: [] };
  for (let run = 0; run < runs; run += 1) {
    const output = createRecordingOutput();
    const started = process.hrtime.bigint();
    const code = await runCli({ argv: ['report', '--db', path, '--since', '2026-10-01', '--until', '2026-11-01', '--by', by, '--format', 'json'], env: {}, output, serve: async () => undefined });
    secondsPerRun.push(Number(process.hrtime.bigint() - started) / 1e9);
    if (code !== 0) throw new Error(`warden report --by ${by} failed: ${output.stderr()}`);
    parsed = JSON.parse(output.stdout()) as typeof parsed;
  }
  return { by, secondsPerRun, rowsScanned: parsed.rowsScanned, groups: parsed.groups.length };
}

const directory = mkdtempSync(join(tmpdir(), 'warden-bench-report-'));
try {
  const path = keptPath ?? join(directory, 'ledger.db');
  let seeding: { seconds: number; microsecondsPerRow: number } | undefined;
  if (!existsSync(path) || ledgerRows(path) !== rowCount) {
    rmSync(path, { force: true });
    console.log(`Seeding ${rowCount.toLocaleString('en')} ledger rows into ${path} …`);
    seeding = await seed(path, rowCount);
    console.log(`Seeded in ${seeding.seconds.toFixed(1)} s (${seeding.microsecondsPerRow.toFixed(1)} µs per row through append).`);
  }
  const results = [];
  for (const by of ['task-type', 'user', 'model', 'tag:feature']) {
    const result = await timeReport(path, by);
    results.push(result);
    console.log(`warden report --by ${by}: ${result.secondsPerRun.map((seconds) => `${seconds.toFixed(2)} s`).join(', ')} (${result.rowsScanned.toLocaleString('en')} rows read, ${result.groups} groups)`);
  }
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'report-scan.json'), `${JSON.stringify({ environment: benchEnvironment(), ledgerRows: rowCount, seeding, results }, null, 2)}\n`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
