import type { BudgetConfig } from '../core/budget-config-schema.js';
import type { NanoUsd } from '../core/money.js';
import { spendDimensions, type SpendDimension } from './day-digest.js';
import type { LedgerDigest } from './ledger-digest.js';
import type { SeriesView, SpendSeriesView, SpendView, TaskCostView } from './panel-state.js';
import { logHistogram, percentile } from './percentiles.js';

const minuteInMs = 60_000;
const hourInMs = 3_600_000;
const seriesShown = 6;
const topUsersShown = 10;

/** The Spend view: today and this month, projections, series by team/model/tier, cost per task, top users. */
export function buildSpendView(options: { digest: LedgerDigest; nowInMs: number; org: string; budgets: readonly BudgetConfig[] }): SpendView {
  const { digest, nowInMs } = options;
  const day = digest.day(nowInMs);
  const month = digest.month(nowInMs);
  const minutes = digest.minuteSpend(nowInMs);
  const currentMinute = Math.floor(nowInMs / minuteInMs);
  let lastHourInNanoUsd = 0;
  for (const [minute, spend] of minutes) if (minute > currentMinute - 60) lastHourInNanoUsd += spend.get(`org:${options.org}`) ?? 0;

  // Projections move with the clock: to the minute, so an idle panel gets no update every poll.
  const minuteNowInMs = currentMinute * minuteInMs;
  const projectedDayInNanoUsd = day.spentInNanoUsd + Math.round((lastHourInNanoUsd * Math.max(0, day.endInMs - minuteNowInMs)) / hourInMs);
  const monthElapsedInMs = Math.max(hourInMs, minuteNowInMs - month.startInMs);
  const projectedMonthInNanoUsd = month.spentInNanoUsd + Math.round((month.spentInNanoUsd * Math.max(0, month.endInMs - minuteNowInMs)) / monthElapsedInMs);
  const orgBudget = (window: 'day' | 'month'): NanoUsd | undefined => {
    const limits = options.budgets.filter((budget) => budget.window === window && (budget.scope === `org:${options.org}` || budget.scope === 'org:*') && budget.mode !== 'shadow');
    const amounts = limits.map((budget) => budget.hard ?? budget.soft).filter((amount): amount is NanoUsd => amount !== undefined);
    return amounts.length === 0 ? undefined : Math.min(...amounts);
  };
  const dayBudget = orgBudget('day');
  const monthBudget = orgBudget('month');

  const byTeam = [...day.hourly]
    .filter(([series]) => series.startsWith('team:'))
    .map(([series, values]) => ({ team: series.slice('team:'.length), costInNanoUsd: sum(values) }))
    .sort((left, right) => right.costInNanoUsd - left.costInNanoUsd || left.team.localeCompare(right.team));

  const lastHourStart = (currentMinute - 59) * minuteInMs;
  const lastHour = seriesView({
    startInMs: lastHourStart,
    stepInMs: minuteInMs,
    length: 60,
    entries: function* () {
      for (const [minute, spend] of minutes) {
        const index = minute - (currentMinute - 59);
        if (index < 0 || index >= 60) continue;
        for (const [series, amount] of spend) yield { series, index, amount };
      }
    },
  });
  const hours = Math.max(1, Math.ceil((day.endInMs - day.startInMs) / hourInMs));
  const today = seriesView({
    startInMs: day.startInMs,
    stepInMs: hourInMs,
    length: hours,
    entries: function* () {
      for (const [series, values] of day.hourly) for (let index = 0; index < values.length; index += 1) if (values[index] !== 0) yield { series, index, amount: values[index] as number };
    },
  });

  const { taskCost, taskCostHistogram } = taskCosts(digest, day.startInMs);
  const topUsers = [...day.users]
    .map(([user, figures]) => ({ user, ...figures }))
    .sort((left, right) => right.costInNanoUsd - left.costInNanoUsd || left.user.localeCompare(right.user))
    .slice(0, topUsersShown);

  return {
    dayLabel: day.label,
    todayInNanoUsd: day.spentInNanoUsd,
    monthInNanoUsd: month.spentInNanoUsd,
    projectedDayInNanoUsd,
    projectedMonthInNanoUsd,
    ...(dayBudget === undefined ? {} : { dayBudgetInNanoUsd: dayBudget }),
    ...(monthBudget === undefined ? {} : { monthBudgetInNanoUsd: monthBudget }),
    byTeam,
    lastHour,
    today,
    taskCost,
    taskCostHistogram,
    topUsers,
  };
}

/** Cost per task today by task type: nearest-rank p50/p95/p99 and a log histogram over every type's tasks. */
export function taskCosts(digest: Pick<LedgerDigest, 'tasks'>, sinceInMs: number): Pick<SpendView, 'taskCost' | 'taskCostHistogram'> {
  const byType = new Map<string, NanoUsd[]>();
  for (const task of digest.tasks.values()) {
    if (task.lastAtInMs < sinceInMs || task.costInNanoUsd === 0) continue;
    const type = task.type ?? '(none)';
    const costs = byType.get(type) ?? [];
    costs.push(task.costInNanoUsd);
    byType.set(type, costs);
  }
  const taskCost: TaskCostView[] = [...byType]
    .map(([type, costs]) => {
      const sorted = [...costs].sort((left, right) => left - right);
      return { type, tasks: sorted.length, p50InNanoUsd: percentile(sorted, 50), p95InNanoUsd: percentile(sorted, 95), p99InNanoUsd: percentile(sorted, 99), maxInNanoUsd: sorted.at(-1) as number };
    })
    .sort((left, right) => left.type.localeCompare(right.type));
  const histogram = logHistogram([...byType.values()].flat());
  const counts: Array<{ type: string; counts: number[] }> = [];
  for (const [type, costs] of [...byType].sort(([left], [right]) => left.localeCompare(right))) {
    const typeCounts = new Array<number>(histogram.counts.length).fill(0);
    for (const cost of costs) {
      let index = 0;
      while ((histogram.edges[index + 1] as number) <= cost) index += 1;
      typeCounts[index] = (typeCounts[index] as number) + 1;
    }
    counts.push({ type, counts: typeCounts });
  }
  return { taskCost, taskCostHistogram: { edgesInNanoUsd: histogram.edges, counts } };
}

/** Spend series per dimension: the largest six names, the rest summed as "other". */
function seriesView(options: { startInMs: number; stepInMs: number; length: number; entries: () => Iterable<{ series: string; index: number; amount: NanoUsd }> }): SpendSeriesView {
  const byDimension = new Map<SpendDimension, Map<string, NanoUsd[]>>(spendDimensions.map((dimension) => [dimension, new Map()]));
  for (const { series, index, amount } of options.entries()) {
    const separator = series.indexOf(':');
    const names = byDimension.get(series.slice(0, separator) as SpendDimension);
    if (names === undefined) continue;
    const name = series.slice(separator + 1);
    let values = names.get(name);
    if (values === undefined) {
      values = new Array<number>(options.length).fill(0);
      names.set(name, values);
    }
    values[index] = (values[index] as number) + amount;
  }
  const series = {} as Record<SpendDimension, SeriesView[]>;
  for (const [dimension, names] of byDimension) {
    const ranked = [...names].map(([name, values]) => ({ name, values })).sort((left, right) => sum(right.values) - sum(left.values) || left.name.localeCompare(right.name));
    const shown = ranked.slice(0, seriesShown);
    const rest = ranked.slice(seriesShown);
    if (rest.length > 0) shown.push({ name: 'other', values: rest.reduce((total, entry) => total.map((value, index) => value + (entry.values[index] as number)), new Array<number>(options.length).fill(0)) });
    series[dimension] = shown;
  }
  return { startInMs: options.startInMs, stepInMs: options.stepInMs, series };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
