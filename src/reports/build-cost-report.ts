import type { LedgerEventType } from '../core/ledger-event.js';
import type { Store } from '../core/store.js';
import type { CostReport } from './cost-report.js';
import { ReportAccumulator } from './report-accumulator.js';
import { formatReportDimension, type ReportDimension } from './report-dimension.js';
import { flagHeavyTails, suggestCaps } from './suggest-caps.js';

/** The ledger rows a cost report reads: settled attempts, refusals, cache hits and task outcomes. */
export const reportRowTypes: readonly LedgerEventType[] = ['reservation-commit', 'reservation-release', 'call-refuse', 'cache-serve', 'task-finish'];

export interface BuildCostReportOptions {
  /** Read with summarizeLedger when the store has it, else row by row with scanLedger: the figures are the same. */
  store: Pick<Store, 'scanLedger' | 'summarizeLedger'>;
  by: ReportDimension;
  sinceInMs: number;
  untilInMs: number;
  /** Told after each batch how far through the period the scan is, from 0 to 1. */
  onProgress?: (fraction: number) => void;
}

/**
 * Scans the ledger over [since, until) and computes the report: figures per group and in total,
 * cap suggestions and heavy-tail flags.
 * @example const report = await buildCostReport({ store, by: { kind: 'task-type' }, sinceInMs: now - 30 * 86_400_000, untilInMs: now });
 */
export async function buildCostReport(options: BuildCostReportOptions): Promise<CostReport> {
  const accumulator = new ReportAccumulator(options.by);
  if (options.store.summarizeLedger === undefined) await readRows(options, accumulator);
  else await readSummaries(options, options.store.summarizeLedger.bind(options.store), accumulator);
  const { groups, total } = accumulator.groups();
  return {
    by: formatReportDimension(options.by),
    sinceInMs: options.sinceInMs,
    untilInMs: options.untilInMs,
    percentileMethod: 'nearest-rank',
    rowsScanned: accumulator.rowsScanned,
    groups,
    total,
    suggestedCaps: suggestCaps(groups, options.by),
    flags: flagHeavyTails(groups),
  };
}

/** Row by row, in time order: progress is how far through the period the last row is. */
async function readRows(options: BuildCostReportOptions, accumulator: ReportAccumulator): Promise<void> {
  const { sinceInMs, untilInMs } = options;
  const scan = options.store.scanLedger({ types: reportRowTypes, sinceInMs, untilInMs, ...tagQuery(options.by) });
  for await (const rows of scan) {
    accumulator.addRows(rows);
    const last = rows[rows.length - 1];
    if (options.onProgress !== undefined && last !== undefined) options.onProgress(Math.min(1, Math.max(0, (last.timeInMs - sinceInMs) / (untilInMs - sinceInMs))));
  }
}

/** Summaries and rows, in the store's order: progress is the share of the rows counted first. */
async function readSummaries(options: BuildCostReportOptions, summarize: NonNullable<Store['summarizeLedger']>, accumulator: ReportAccumulator): Promise<void> {
  const { sinceInMs, untilInMs, onProgress } = options;
  let expectedRows: number | undefined;
  for await (const batch of summarize({ sinceInMs, untilInMs, ...tagQuery(options.by), ...(onProgress === undefined ? {} : { countRows: true }) })) {
    expectedRows ??= batch.expectedRows;
    accumulator.addOutcomes(batch.outcomes);
    accumulator.addSummaries(batch.summaries);
    accumulator.addRows(batch.rows);
    if (onProgress !== undefined && expectedRows !== undefined && expectedRows > 0) onProgress(Math.min(1, accumulator.rowsScanned / expectedRows));
  }
}

function tagQuery(by: ReportDimension): { tagName?: string } {
  return by.kind === 'tag' ? { tagName: by.tagName } : {};
}
