import { nanoToUsdText } from '../core/money.js';
import type { CostReport, ReportGroup } from '../reports/cost-report.js';
import { formatTable, formatTimeInMs } from './format-table.js';

/** `$0.0437` — exact, no trailing zeros; `-` for a figure that has no value. */
function usd(nano: number | null | undefined): string {
  return nano === null || nano === undefined ? '-' : `$${nanoToUsdText(nano)}`;
}

function percent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .map(([key, count]) => `${key} ${count}`)
    .join(', ');
}

/**
 * The report for a terminal: cost per task, then calls, then suggested caps and flags, then how
 * the percentiles were taken.
 */
export function formatCostReportTable(report: CostReport): string {
  const rows = [...report.groups, report.total];
  const costs = formatTable({
    header: ['group', 'tasks', 'mean/task', 'p50', 'p95', 'p99', 'max', 'spend', 'per success', 'per user-day'],
    rows: rows.map((group) => [
      group.key,
      String(group.tasks),
      usd(group.costPerTask?.meanInNanoUsd),
      usd(group.costPerTask?.p50InNanoUsd),
      usd(group.costPerTask?.p95InNanoUsd),
      usd(group.costPerTask?.p99InNanoUsd),
      usd(group.costPerTask?.maxInNanoUsd),
      usd(group.spendInNanoUsd),
      usd(group.costPerSuccessInNanoUsd),
      usd(group.costPerUserDayInNanoUsd),
    ]),
  });
  const calls = formatTable({
    header: ['group', 'calls', 'ok', 'success', 'cap hits', 'cache hits', 'cache saved', 'retry share', 'refusals', 'tiers'],
    rows: rows.map((group) => [
      group.key,
      String(group.calls),
      percent(group.okRate),
      group.tasksWithOutcome === 0 ? '-' : `${percent(group.successRate)} of ${group.tasksWithOutcome}`,
      `${group.budgetCapHits} (${percent(group.budgetCapHitRate)})`,
      String(group.cacheHits),
      usd(group.cacheSavingsInNanoUsd),
      percent(group.retryShareOfSpend),
      counts(group.refusalsByCode) || '-',
      counts(group.tiers) || '-',
    ]),
  });
  const lines = [
    `Cost report by ${report.by}, ${formatTimeInMs(report.sinceInMs)} to ${formatTimeInMs(report.untilInMs)} (${report.rowsScanned} ledger rows read)`,
    '',
    costs,
    '',
    calls,
  ];
  if (report.suggestedCaps.length > 0) {
    lines.push('', 'Suggested caps per task (p99 × 1.2, rounded up to two significant digits):');
    for (const cap of report.suggestedCaps) {
      const where = cap.configPath === undefined ? '' : `  ${cap.configPath}: "${nanoToUsdText(cap.capInNanoUsd)}"`;
      lines.push(`  ${cap.group}: ${usd(cap.capInNanoUsd)} (p99 ${usd(cap.p99InNanoUsd)} over ${cap.tasks} tasks)${where}`);
    }
  }
  if (report.flags.length > 0) {
    lines.push('', 'Flags:');
    for (const flag of report.flags) {
      lines.push(`  ${flag.group}: p95 ${usd(flag.p95InNanoUsd)} is ${flag.ratio.toFixed(1)}× the mean ${usd(flag.meanInNanoUsd)}; a few tasks cost far more than most: cap them, or look at what they do.`);
    }
  }
  lines.push('', 'Percentiles are nearest-rank: the cost at rank ⌈p/100 × n⌉ of the n tasks sorted by cost.');
  return lines.join('\n');
}

const csvHeader = [
  'group',
  'calls',
  'ok_calls',
  'ok_rate',
  'tasks',
  'tasks_with_outcome',
  'successful_tasks',
  'success_rate',
  'mean_cost_per_task_usd',
  'p50_cost_per_task_usd',
  'p95_cost_per_task_usd',
  'p99_cost_per_task_usd',
  'max_cost_per_task_usd',
  'spend_usd',
  'cost_per_success_usd',
  'user_days',
  'cost_per_user_day_usd',
  'budget_cap_hits',
  'budget_cap_hit_rate',
  'refusals_by_code',
  'cache_hits',
  'cache_savings_usd',
  'retry_spend_usd',
  'retry_share_of_spend',
  'tiers',
  'suggested_cap_usd',
  'heavy_tail',
];

/** One line per group and a last `(all)` line; dollars as exact decimals, rates as fractions, empty for no value. */
export function formatCostReportCsv(report: CostReport): string {
  const caps = new Map(report.suggestedCaps.map((cap) => [cap.group, cap.capInNanoUsd]));
  const flagged = new Set(report.flags.map((flag) => flag.group));
  const money = (nano: number | null | undefined): string => (nano === null || nano === undefined ? '' : nanoToUsdText(nano));
  const rate = (value: number | null): string => (value === null ? '' : String(value));
  const pairs = (record: Record<string, number>): string =>
    Object.entries(record)
      .map(([key, count]) => `${key}=${count}`)
      .join(';');
  const line = (group: ReportGroup, isTotal: boolean): string[] => [
    // Group names come from clients (users, tags): one a spreadsheet would run as a formula is quoted as text.
    /^[=+\-@\t\r]/.test(group.key) ? `'${group.key}` : group.key,
    String(group.calls),
    String(group.okCalls),
    rate(group.okRate),
    String(group.tasks),
    String(group.tasksWithOutcome),
    String(group.successfulTasks),
    rate(group.successRate),
    money(group.costPerTask?.meanInNanoUsd),
    money(group.costPerTask?.p50InNanoUsd),
    money(group.costPerTask?.p95InNanoUsd),
    money(group.costPerTask?.p99InNanoUsd),
    money(group.costPerTask?.maxInNanoUsd),
    money(group.spendInNanoUsd),
    money(group.costPerSuccessInNanoUsd),
    String(group.userDays),
    money(group.costPerUserDayInNanoUsd),
    String(group.budgetCapHits),
    rate(group.budgetCapHitRate),
    pairs(group.refusalsByCode),
    String(group.cacheHits),
    money(group.cacheSavingsInNanoUsd),
    money(group.retrySpendInNanoUsd),
    rate(group.retryShareOfSpend),
    pairs(group.tiers),
    isTotal ? '' : money(caps.get(group.key)),
    isTotal ? '' : String(flagged.has(group.key)),
  ];
  const lines = [csvHeader, ...report.groups.map((group) => line(group, false)), line(report.total, true)];
  return lines.map((fields) => fields.map(csvField).join(',')).join('\n');
}

/** RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
