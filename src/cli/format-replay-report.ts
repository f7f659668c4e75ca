import { formatUsd, nanoToUsdText } from '../core/money.js';
import type { ReplayFigures, ReplayReport } from '../replay/replay-report.js';
import { formatTable, formatTimeInMs } from './format-table.js';

/** The replay report for terminals: totals, per team and task type, refusals per budget window, model changes, notes and assumptions. */
export function formatReplayTable(options: { report: ReplayReport; candidatePath: string }): string {
  const { report, candidatePath } = options;
  const { totals } = report;
  const from = report.sinceInMs === undefined ? 'the start' : formatTimeInMs(report.sinceInMs);
  const to = report.untilInMs === undefined ? 'now' : formatTimeInMs(report.untilInMs);
  const sections = [
    [
      `What-if replay of ${totals.calls} recorded calls from ${from} to ${to} under ${candidatePath}`,
      `Spend: live ${formatUsd(totals.liveSpendInNanoUsd)}, with the candidate ${formatUsd(totals.candidateSpendInNanoUsd)}: ${savingText(totals)}.`,
      `Refused ${totals.refused}, downgraded ${totals.downgraded}, rerouted ${totals.rerouted}, served from cache ${totals.cached} (${formatUsd(totals.cacheSavingInNanoUsd)} not spent).`,
    ].join('\n'),
    `By team\n${figuresTable('team', report.byTeam.map((entry) => [entry.team, entry]))}`,
    `By task type\n${figuresTable('task type', report.byTaskType.map((entry) => [entry.taskType, entry]))}`,
  ];
  if (report.refusals.length > 0) {
    sections.push(
      `Refusals per budget and window\n${formatTable({
        header: ['scope', 'window', 'code', 'calls', 'live spend'],
        rows: report.refusals.map((group) => [group.scope, group.window === group.windowLabel ? group.window : `${group.window} ${group.windowLabel}`, group.code, String(group.calls), formatUsd(group.liveSpendInNanoUsd)]),
      })}`,
    );
  }
  if (report.modelChanges.length > 0) {
    sections.push(
      `Model changes\n${formatTable({
        header: ['from', 'to', 'why', 'calls', 'live spend', 'candidate spend'],
        rows: report.modelChanges.map((change) => [change.fromModel, change.toModel, change.reason, String(change.calls), formatUsd(change.liveSpendInNanoUsd), formatUsd(change.candidateSpendInNanoUsd)]),
      })}`,
    );
  }
  sections.push(`Assumptions\n${report.assumptions.map((assumption) => `  - ${assumption}`).join('\n')}`);
  return `${sections.join('\n\n')}\n`;
}

/** The report as JSON: amounts both in nano-USD (exact integers) and as USD text. */
export function replayReportJson(options: { report: ReplayReport; candidatePath: string }): Record<string, unknown> {
  const { report, candidatePath } = options;
  return {
    candidate: candidatePath,
    ...(report.sinceInMs === undefined ? {} : { since: new Date(report.sinceInMs).toISOString() }),
    ...(report.untilInMs === undefined ? {} : { until: new Date(report.untilInMs).toISOString() }),
    totals: { ...withUsd(report.totals), cacheSavingUsd: nanoToUsdText(report.totals.cacheSavingInNanoUsd) },
    byTeam: report.byTeam.map(withUsd),
    byTaskType: report.byTaskType.map(withUsd),
    refusals: report.refusals.map((group) => ({ ...group, liveSpendUsd: nanoToUsdText(group.liveSpendInNanoUsd) })),
    modelChanges: report.modelChanges.map((change) => ({ ...change, liveSpendUsd: nanoToUsdText(change.liveSpendInNanoUsd), candidateSpendUsd: nanoToUsdText(change.candidateSpendInNanoUsd) })),
    notes: report.notes,
    assumptions: report.assumptions,
  };
}

function withUsd<T extends ReplayFigures>(figures: T): T & { liveSpendUsd: string; candidateSpendUsd: string; savingUsd: string } {
  return { ...figures, liveSpendUsd: nanoToUsdText(figures.liveSpendInNanoUsd), candidateSpendUsd: nanoToUsdText(figures.candidateSpendInNanoUsd), savingUsd: nanoToUsdText(figures.savingInNanoUsd) };
}

function figuresTable(name: string, groups: ReadonlyArray<readonly [string, ReplayFigures]>): string {
  return formatTable({
    header: [name, 'calls', 'live spend', 'candidate spend', 'saving', 'refused', 'downgraded', 'rerouted', 'cached'],
    rows: groups.map(([label, figures]) => [
      label,
      String(figures.calls),
      formatUsd(figures.liveSpendInNanoUsd),
      formatUsd(figures.candidateSpendInNanoUsd),
      formatUsd(figures.savingInNanoUsd),
      String(figures.refused),
      String(figures.downgraded),
      String(figures.rerouted),
      String(figures.cached),
    ]),
  });
}

function savingText(figures: ReplayFigures): string {
  if (figures.liveSpendInNanoUsd === 0) return figures.savingInNanoUsd === 0 ? 'no change' : `${formatUsd(-figures.savingInNanoUsd)} more`;
  const percent = ((figures.savingInNanoUsd / figures.liveSpendInNanoUsd) * 100).toFixed(1);
  return figures.savingInNanoUsd >= 0 ? `a saving of ${formatUsd(figures.savingInNanoUsd)} (${percent}%)` : `${formatUsd(-figures.savingInNanoUsd)} more (${percent.replace('-', '')}% more)`;
}
