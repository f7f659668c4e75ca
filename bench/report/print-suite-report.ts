import { subjectLabels, subjectNames } from '../subjects/subject-names.js';
import type { TargetRow } from './evaluate-targets.js';
import type { SummaryRow } from './summarize-suite.js';

const verdict = (row: TargetRow): string => (row.met === undefined ? (row.value === undefined ? 'not measured' : '') : row.met ? 'met' : 'NOT MET');

/** The subject × workload table and the targets table, for the console. */
export function printSuiteReport(summary: readonly SummaryRow[], targets: readonly TargetRow[]): void {
  console.log('\nEvery subject × workload, medians of rounds (min–max):');
  console.table(summary.map((row) => ({ workload: row.workload, measure: row.measure, ...Object.fromEntries(subjectNames.map((subject) => [subjectLabels[subject], row.values[subject]])) })));
  console.log('DESIGN §7 targets (Warden with budgets on), ratios measured in this run:');
  console.table(targets.map((row) => ({ measure: row.measure, value: row.value ?? '—', target: row.target, verdict: verdict(row), detail: row.detail })));
}

/** The same two tables as Markdown, ready to paste into bench/README.md. */
export function suiteReportMarkdown(summary: readonly SummaryRow[], targets: readonly TargetRow[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const header = ['workload', 'measure', ...subjectNames.map((subject) => subjectLabels[subject])];
  return [
    line(header),
    line(header.map(() => '---')),
    ...summary.map((row) => line([row.workload, row.measure, ...subjectNames.map((subject) => row.values[subject])])),
    '',
    line(['measure', 'value', 'target', 'verdict', 'detail']),
    line(['---', '---', '---', '---', '---']),
    ...targets.map((row) => line([row.measure, String(row.value ?? '—'), row.target, verdict(row), row.detail])),
    '',
  ].join('\n');
}
