import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresRecordStore } from '../stores/postgres/postgres-record-store.js';
import { createSqliteStore } from '../stores/sqlite/sqlite-store.js';
import { createPostgresTestSchemas } from '../../test/support/postgres-test-schemas.js';
import { testPostgresUrl } from '../../test/support/postgres-test-server.js';
import { expectedByTaskType, reportLedgerEvents } from '../../test/support/report-ledger.js';
import { createRecordingOutput } from './cli-output.js';
import { createProgressBar } from './progress-bar.js';
import { runCli } from './run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-report-cli-'));
const path = join(directory, 'ledger.db');
const period = ['--since', '2026-11-01', '--until', '2026-12-01'];

beforeAll(async () => {
  const store = createSqliteStore({ path, pruneIntervalInMs: 0 });
  await store.append(reportLedgerEvents());
  await store.close();
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function report(argv: string[]) {
  const output = createRecordingOutput();
  const exitCode = await runCli({ argv: ['report', ...argv], env: {}, output, serve: async () => undefined });
  return { exitCode, stdout: output.stdout(), stderr: output.stderr() };
}

describe('warden report', () => {
  it('prints every figure of a known ledger as JSON', async () => {
    const result = await report(['--db', path, ...period, '--by', 'task-type', '--format', 'json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expectedByTaskType);
  });

  it('prints them as a table, with suggested caps, flags and the percentile method', async () => {
    const result = await report(['--db', path, ...period]);
    expect(result).toEqual({ exitCode: 0, stderr: '', stdout: `${[
      'Cost report by task-type, 2026-11-01 00:00 UTC to 2026-12-01 00:00 UTC (46 ledger rows read)',
      '',
      'GROUP     TASKS  MEAN/TASK     P50        P95        P99        MAX        SPEND      PER SUCCESS   PER USER-DAY',
      'search    20     $0.0000105    $0.00001   $0.000019  $0.00002   $0.00002   $0.00021   $0.000021     $0.0000105',
      'research  4      $0.000025     $0.000001  $0.000097  $0.000097  $0.000097  $0.0001    $0.0001       -',
      '(none)    0      -             -          -          -          -          $0.000005  -             $0.000005',
      '(all)     24     $0.000012917  $0.000009  $0.00002   $0.000097  $0.000097  $0.000315  $0.000028636  $0.000010238',
      '',
      'GROUP     CALLS  OK      SUCCESS      CAP HITS  CACHE HITS  CACHE SAVED  RETRY SHARE  REFUSALS                          TIERS',
      'search    22     95.5%   66.7% of 15  1 (4.5%)  1           $0.000001    9.5%         budget_exceeded 1                 (none) 17, fast 5',
      'research  5      80.0%   100.0% of 1  0 (0.0%)  0           $0           0.0%         kill_switch 1                     (none) 5',
      '(none)    1      100.0%  -            0 (0.0%)  0           $0           0.0%         -                                 (none) 1',
      '(all)     28     92.9%   68.8% of 16  1 (3.6%)  1           $0.000001    6.3%         budget_exceeded 1, kill_switch 1  (none) 23, fast 5',
      '',
      'Suggested caps per task (p99 × 1.2, rounded up to two significant digits):',
      '  search: $0.000024 (p99 $0.00002 over 20 tasks)  taskTypes.search.budget.hard: "0.000024"',
      '  research: $0.00012 (p99 $0.000097 over 4 tasks)  taskTypes.research.budget.hard: "0.00012"',
      '',
      'Flags:',
      '  research: p95 $0.000097 is 3.9× the mean $0.000025; a few tasks cost far more than most: cap them, or look at what they do.',
      '',
      'Percentiles are nearest-rank: the cost at rank ⌈p/100 × n⌉ of the n tasks sorted by cost.',
    ].join('\n')}\n` });
  });

  it('prints them as CSV: dollars as exact decimals, rates as fractions, one line per group and the total last', async () => {
    const result = await report(['--db', path, ...period, '--format', 'csv']);
    expect(result).toEqual({ exitCode: 0, stderr: '', stdout: `${[
      'group,calls,ok_calls,ok_rate,tasks,tasks_with_outcome,successful_tasks,success_rate,mean_cost_per_task_usd,p50_cost_per_task_usd,p95_cost_per_task_usd,p99_cost_per_task_usd,max_cost_per_task_usd,spend_usd,cost_per_success_usd,user_days,cost_per_user_day_usd,budget_cap_hits,budget_cap_hit_rate,refusals_by_code,cache_hits,cache_savings_usd,retry_spend_usd,retry_share_of_spend,tiers,suggested_cap_usd,heavy_tail',
      'search,22,21,0.9545454545454546,20,15,10,0.6666666666666666,0.0000105,0.00001,0.000019,0.00002,0.00002,0.00021,0.000021,20,0.0000105,1,0.045454545454545456,budget_exceeded=1,1,0.000001,0.00002,0.09523809523809523,(none)=17;fast=5,0.000024,false',
      'research,5,4,0.8,4,1,1,1,0.000025,0.000001,0.000097,0.000097,0.000097,0.0001,0.0001,0,,0,0,kill_switch=1,0,0,0,0,(none)=5,0.00012,true',
      '(none),1,1,1,0,0,0,,,,,,,0.000005,,1,0.000005,0,0,,0,0,0,0,(none)=1,,false',
      '(all),28,26,0.9285714285714286,24,16,11,0.6875,0.000012917,0.000009,0.00002,0.000097,0.000097,0.000315,0.000028636,21,0.000010238,1,0.03571428571428571,budget_exceeded=1;kill_switch=1,1,0.000001,0.00002,0.06349206349206349,(none)=23;fast=5,,',
    ].join('\n')}\n` });
  });

  it('reads a PostgreSQL ledger that --config names, with the same figures', async () => {
    const schemas = createPostgresTestSchemas();
    try {
      const schema = schemas.next();
      const records = await createPostgresRecordStore({ url: testPostgresUrl, schema, spoolDirectory: join(directory, 'spool') });
      await records.append(reportLedgerEvents());
      await records.close();
      const config = join(directory, 'postgres.yaml');
      writeFileSync(config, `storage:\n  ledger: "${testPostgresUrl}"\n  namespace: ${schema}\n`);
      const result = await report(['--config', config, ...period, '--format', 'json']);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual(expectedByTaskType);
    } finally {
      await schemas.dropAll();
    }
  });

  it('groups by a tag', async () => {
    const result = await report(['--db', path, ...period, '--by', 'tag:feature', '--format', 'json']);
    expect(JSON.parse(result.stdout).groups.map((group: { key: string }) => group.key)).toEqual(['browse', '(none)', 'lookup']);
  });

  it('says what is wrong with its options, and exits 1', async () => {
    expect(await report(['--db', path, '--by', 'region'])).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: '--by: "region" is not something reports group by; use one of task-type, team, key, user, model, tier, tag:<name>.\n',
    });
    expect((await report(['--db', path, '--since', '2026-12-01', '--until', '2026-11-01'])).stderr).toContain('--since (2026-12-01T00:00:00.000Z) must be before --until (2026-11-01T00:00:00.000Z).');
    expect((await report(['--db', path, '--since', 'last month'])).stderr).toContain('--since: "last month" is not a time; use a duration back from now like 30d');
    expect((await report(['--db', join(directory, 'missing.db')])).stderr).toContain(`There is no Warden database at ${join(directory, 'missing.db')}.`);
    expect((await report(['--db', path, '--format', 'xml'])).exitCode).not.toBe(0);
  });
});

describe('progress bar', () => {
  it('draws in place on a terminal once the work has taken a while, and clears itself', () => {
    const written: string[] = [];
    let nowInMs = 0;
    const bar = createProgressBar({ stream: { isTTY: true, write: (text) => written.push(text) }, label: 'Reading', nowInMs: () => nowInMs, delayInMs: 100 });
    bar.update(0.1);
    nowInMs = 150;
    bar.update(0.5);
    bar.update(0.504);
    bar.update(1);
    bar.finish();
    const line = (filled: number, percent: number) => `\rReading [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${percent}%`;
    expect(written).toEqual([line(15, 50), line(30, 100), `\r${' '.repeat(line(30, 100).length - 1)}\r`]);
  });

  it('draws nothing where stderr is not a terminal', () => {
    const written: string[] = [];
    const bar = createProgressBar({ stream: { isTTY: false, write: (text) => written.push(text) }, label: 'Reading', nowInMs: () => 1_000_000, delayInMs: 0 });
    bar.update(0.5);
    bar.finish();
    expect(written).toEqual([]);
  });
});
