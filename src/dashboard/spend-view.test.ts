import { describe, expect, it } from 'vitest';
import { parseConfig } from '../core/parse-config.js';
import { call } from '../../test/ui/ledger-rows.js';
import { createLedgerDigest } from './ledger-digest.js';
import { buildSpendView, taskCosts } from './spend-view.js';

const noon = Date.UTC(2026, 10, 25, 12);

describe('buildSpendView', () => {
  it('projects the day from the last hour and the month from its daily average, against org budgets', () => {
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    // Earlier this month: $24 on the 1st. Today: $6 at 08:00 and $1 in the last hour.
    digest.ingest([
      ...call({ org: 'acme', team: 'a', costInNanoUsd: 24_000_000_000, timeInMs: Date.UTC(2026, 10, 1, 10) }),
      ...call({ org: 'acme', team: 'a', costInNanoUsd: 6_000_000_000, timeInMs: Date.UTC(2026, 10, 25, 8) }),
      ...call({ org: 'acme', team: 'b', costInNanoUsd: 1_000_000_000, timeInMs: noon - 30 * 60_000 }),
    ]);
    const config = parseConfig({ org: 'acme', budgets: [{ scope: 'org:*', window: 'day', hard: '20' }, { scope: 'org:acme', window: 'month', hard: '500' }] });
    const view = buildSpendView({ digest, nowInMs: noon, org: 'acme', budgets: config.budgets });
    expect(view.todayInNanoUsd).toBe(7_000_000_000);
    // 12 hours left at $1/hour (from the current minute).
    expect(view.projectedDayInNanoUsd).toBe(19_000_000_000);
    expect(view.monthInNanoUsd).toBe(31_000_000_000);
    // 24.5 days elapsed, 5.5 left: $31 × 5.5 / 24.5 more.
    expect(view.projectedMonthInNanoUsd).toBe(31_000_000_000 + Math.round((31_000_000_000 * 5.5) / 24.5));
    expect(view.dayBudgetInNanoUsd).toBe(20_000_000_000);
    expect(view.monthBudgetInNanoUsd).toBe(500_000_000_000);
    expect(view.byTeam).toEqual([
      { team: 'a', costInNanoUsd: 6_000_000_000 },
      { team: 'b', costInNanoUsd: 1_000_000_000 },
    ]);
    expect(view.lastHour.series.team).toEqual([{ name: 'b', values: expect.any(Array) }]);
    expect(view.lastHour.series.team[0]?.values[59 - 30]).toBe(1_000_000_000);
    expect(view.today.series.team.find((series) => series.name === 'a')?.values[8]).toBe(6_000_000_000);
  });

  it('shows the six largest series and sums the rest as other', () => {
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    digest.ingest(Array.from({ length: 8 }, (_, index) => call({ team: `t${index}`, costInNanoUsd: (index + 1) * 10 })).flat());
    const view = buildSpendView({ digest, nowInMs: noon, org: 'default', budgets: [] });
    expect(view.today.series.team.map((series) => series.name)).toEqual(['t7', 't6', 't5', 't4', 't3', 't2', 'other']);
    expect(view.today.series.team.at(-1)?.values[12]).toBe(30);
  });
});

describe('taskCosts', () => {
  it('gives p50/p95/p99 per task type and a histogram of the same tasks', () => {
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    digest.ingest(Array.from({ length: 20 }, (_, index) => call({ taskId: `e${index}`, taskType: 'explore', costInNanoUsd: (index + 1) * 1_000 })).flat());
    digest.ingest([...call({ taskId: 'g1', taskType: 'generate', costInNanoUsd: 50_000 })]);
    const { taskCost, taskCostHistogram } = taskCosts(digest, 0);
    expect(taskCost).toEqual([
      { type: 'explore', tasks: 20, p50InNanoUsd: 10_000, p95InNanoUsd: 19_000, p99InNanoUsd: 20_000, maxInNanoUsd: 20_000 },
      { type: 'generate', tasks: 1, p50InNanoUsd: 50_000, p95InNanoUsd: 50_000, p99InNanoUsd: 50_000, maxInNanoUsd: 50_000 },
    ]);
    expect(taskCostHistogram.edgesInNanoUsd[0]).toBe(1_000);
    expect(taskCostHistogram.counts.flatMap((entry) => entry.counts).reduce((total, count) => total + count, 0)).toBe(21);
    expect(taskCostHistogram.counts.map((entry) => entry.type)).toEqual(['explore', 'generate']);
    expect(taskCostHistogram.counts[1]?.counts.at(-1)).toBe(1);
  });
});
