import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../core/ledger-event.js';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { expectedByTaskType, reportLedgerEvents, reportPeriod } from '../../test/support/report-ledger.js';
import { buildCostReport } from './build-cost-report.js';
import type { CostReport } from './cost-report.js';
import { nearestRank } from './nearest-rank.js';
import { parseReportDimension, type ReportDimension } from './report-dimension.js';
import { roundUpToTwoSignificantDigits } from './suggest-caps.js';

async function reportOf(events: LedgerEvent[], by: ReportDimension, options: { batchSize?: number } = {}): Promise<CostReport> {
  const store = createMemoryStore({ pruneIntervalInMs: 0 });
  await store.append(events);
  const scanning = options.batchSize === undefined ? store : { scanLedger: (query: Parameters<typeof store.scanLedger>[0]) => store.scanLedger({ ...query, batchSize: options.batchSize }) };
  return buildCostReport({ store: scanning, by, ...reportPeriod });
}

describe('buildCostReport', () => {
  it('computes every figure of a ledger with known distributions, by task type', async () => {
    expect(await reportOf(reportLedgerEvents(), { kind: 'task-type' })).toEqual(expectedByTaskType);
  });

  it('gives the same report whatever the batch size', async () => {
    expect(await reportOf(reportLedgerEvents(), { kind: 'task-type' }, { batchSize: 1 })).toEqual(expectedByTaskType);
    expect(await reportOf(reportLedgerEvents(), { kind: 'task-type' }, { batchSize: 7 })).toEqual(expectedByTaskType);
  });

  it('counts a task or a call in every group it touched, and once in the total (by tag)', async () => {
    const report = await reportOf(reportLedgerEvents(), { kind: 'tag', tagName: 'feature' });
    expect(report.by).toBe('tag:feature');
    expect(report.groups.map((group) => [group.key, group.spendInNanoUsd, group.tasks, group.calls])).toEqual([
      ['browse', 155_000, 10, 10],
      // r1…r4, the loose call, and s1 and s2 through their untagged cache hit and refusal.
      ['(none)', 105_000, 6, 8],
      ['lookup', 55_000, 10, 10],
    ]);
    expect(report.total).toEqual(expectedByTaskType.total);
    expect(report.suggestedCaps.every((cap) => cap.configPath === undefined)).toBe(true);
  });

  it('groups by model with refused calls under the model they asked for, and a fallback call in both models', async () => {
    const events: LedgerEvent[] = [
      { type: 'call-refuse', timeInMs: reportPeriod.sinceInMs + 1, requestId: 'q1', taskId: 't1', requestedModel: 'gpt-4o', status: 'refused', errorCode: 'budget_exceeded' },
      { type: 'reservation-commit', timeInMs: reportPeriod.sinceInMs + 2, requestId: 'q1', taskId: 't1', requestedModel: 'gpt-4o-mini', model: 'gpt-4o-mini', costInNanoUsd: 300, status: 'ok', retries: 0 },
    ];
    const report = await reportOf(events, { kind: 'model' });
    expect(report.groups.map((group) => ({ key: group.key, calls: group.calls, okCalls: group.okCalls, budgetCapHits: group.budgetCapHits, tasks: group.tasks }))).toEqual([
      { key: 'gpt-4o-mini', calls: 1, okCalls: 1, budgetCapHits: 0, tasks: 1 },
      { key: 'gpt-4o', calls: 1, okCalls: 0, budgetCapHits: 1, tasks: 1 },
    ]);
    // In total the call was answered (by its fallback), so it is no budget-cap hit.
    expect(report.total).toMatchObject({ calls: 1, okCalls: 1, budgetCapHits: 0, refusalsByCode: {}, tasks: 1, costPerTask: { maxInNanoUsd: 300 } });
  });

  it('counts the last outcome a task reports, by time and then by ledger order', async () => {
    const call: LedgerEvent = { type: 'reservation-commit', timeInMs: reportPeriod.sinceInMs, requestId: 'q', taskId: 't', costInNanoUsd: 10, status: 'ok' };
    const finish = (outcome: string, timeInMs: number): LedgerEvent => ({ type: 'task-finish', timeInMs, taskId: 't', data: { outcome } });
    const late = reportPeriod.sinceInMs + 10;
    expect((await reportOf([call, finish('failure', late), finish('success', late - 1)], { kind: 'team' })).total.successfulTasks).toBe(0);
    expect((await reportOf([call, finish('failure', late), finish('success', late)], { kind: 'team' })).total.successfulTasks).toBe(1);
    expect((await reportOf([call, finish('maybe', late)], { kind: 'team' })).total.tasksWithOutcome).toBe(0);
  });

  it('reports progress through the period, ending at the last row', async () => {
    const store = createMemoryStore({ pruneIntervalInMs: 0 });
    const quarter = (reportPeriod.untilInMs - reportPeriod.sinceInMs) / 4;
    await store.append([1, 2, 3].map((index) => ({ type: 'reservation-commit', timeInMs: reportPeriod.sinceInMs + index * quarter, requestId: `q${index}`, costInNanoUsd: 1, status: 'ok' })));
    const seen: number[] = [];
    await buildCostReport({ store: { scanLedger: (query) => store.scanLedger({ ...query, batchSize: 1 }) }, by: { kind: 'team' }, ...reportPeriod, onProgress: (fraction) => seen.push(fraction) });
    expect(seen).toEqual([0.25, 0.5, 0.75]);
  });
});

describe('report pieces', () => {
  it('takes nearest-rank percentiles: the value at rank ⌈p/100 × n⌉', () => {
    expect(nearestRank([], 50)).toBeUndefined();
    expect(nearestRank([7], 99)).toBe(7);
    expect(nearestRank([10, 20, 30, 40], 50)).toBe(20);
    expect(nearestRank([10, 20, 30, 40], 51)).toBe(30);
    expect(nearestRank([10, 20, 30, 40], 0)).toBe(10);
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    expect([nearestRank(hundred, 50), nearestRank(hundred, 95), nearestRank(hundred, 99), nearestRank(hundred, 100)]).toEqual([50, 95, 99, 100]);
  });

  it('rounds suggested caps up to two significant digits', () => {
    expect([0, 7, 8.4, 99, 101, 24_000, 52_440_000, 116_400].map(roundUpToTwoSignificantDigits)).toEqual([0, 7, 9, 99, 110, 24_000, 53_000_000, 120_000]);
  });

  it('parses --by and says what it takes', () => {
    expect(parseReportDimension('user')).toEqual({ kind: 'user' });
    expect(parseReportDimension('tag:feature')).toEqual({ kind: 'tag', tagName: 'feature' });
    expect(() => parseReportDimension('tag:')).toThrow(/needs a tag name/);
    expect(() => parseReportDimension('tag:"x"')).toThrow(/no quotes/);
    expect(() => parseReportDimension('region', '--by')).toThrow('--by: "region" is not something reports group by; use one of task-type, team, key, user, model, tier, tag:<name>.');
  });
});
