import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../core/parse-config.js';
import type { Store } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';
import { buildCostReport } from '../reports/build-cost-report.js';
import type { CostReport } from '../reports/cost-report.js';
import { parseReportPeriod } from '../reports/parse-report-time.js';
import { parseReportDimension } from '../reports/report-dimension.js';
import { createSqliteStore } from '../stores/sqlite/sqlite-store.js';
import type { AdminClient } from './admin-client.js';
import type { CliOutput } from './cli-output.js';
import { formatCostReportCsv, formatCostReportTable } from './format-cost-report.js';
import { loadConfigFile, type Environment } from './load-config-file.js';
import { createProgressBar } from './progress-bar.js';

export const reportFormats = ['table', 'json', 'csv'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** Where a report reads: a running gateway's admin API, or the ledger a config (or SQLite file) names. */
export type ReportSource = { kind: 'gateway'; client: Pick<AdminClient, 'report'> } | { kind: 'ledger'; configPath?: string; sqlitePath?: string; env: Environment };

export interface ReportCommandOptions {
  source: ReportSource;
  since?: string;
  until?: string;
  by?: string;
  format: ReportFormat;
  output: CliOutput;
  nowInMs: () => number;
}

/**
 * `warden report`: cost per task and per call, grouped, over a period, as a table, JSON or CSV.
 * A progress bar shows on stderr while a long scan runs (on a terminal only).
 */
export async function reportCommand(options: ReportCommandOptions): Promise<void> {
  const report = options.source.kind === 'gateway' ? await reportFromGateway(options, options.source.client) : await reportFromLedger(options, options.source);
  options.output.out(options.format === 'json' ? JSON.stringify(report, null, 2) : options.format === 'csv' ? formatCostReportCsv(report) : formatCostReportTable(report));
}

function reportFromGateway(options: ReportCommandOptions, client: Pick<AdminClient, 'report'>): Promise<CostReport> {
  // Checked here too, so a typo fails before anything reaches the gateway.
  if (options.by !== undefined) parseReportDimension(options.by, '--by');
  return client.report({
    ...(options.since === undefined ? {} : { since: options.since }),
    ...(options.until === undefined ? {} : { until: options.until }),
    ...(options.by === undefined ? {} : { by: options.by }),
  });
}

async function reportFromLedger(options: ReportCommandOptions, source: Extract<ReportSource, { kind: 'ledger' }>): Promise<CostReport> {
  const by = parseReportDimension(options.by ?? 'task-type', '--by');
  const period = parseReportPeriod({ since: options.since, until: options.until, nowInMs: options.nowInMs() });
  const ledger = await openReportLedger(source);
  const bar = createProgressBar({ stream: options.output.progress, label: 'Reading the ledger', nowInMs: options.nowInMs });
  try {
    return await buildCostReport({ store: ledger, by, ...period, onProgress: (fraction) => bar.update(fraction) });
  } finally {
    bar.finish();
    await ledger.close();
  }
}

/** The ledger only: the SQLite file (opened as a store, which brings its schema up to date), or a PostgreSQL reader that writes nothing. */
async function openReportLedger(source: Extract<ReportSource, { kind: 'ledger' }>): Promise<Pick<Store, 'scanLedger' | 'close'>> {
  const config = source.configPath === undefined ? parseConfig({}) : await loadConfigFile(source.configPath, source.env);
  if (config.storage.ledger !== 'sqlite' && source.sqlitePath === undefined) {
    const { openPostgresLedgerReader } = await import('../stores/postgres/postgres-ledger-reader.js');
    return openPostgresLedgerReader({ url: config.storage.ledger, schema: config.storage.namespace });
  }
  const path = resolve(source.sqlitePath ?? config.server.sqlitePath);
  if (!existsSync(path)) {
    throw new WardenError(
      'invalid_config',
      `There is no Warden database at ${path}. Point --db at the SQLite file the gateway or the SDK's store writes, --config at the gateway's config, or --url at a running gateway.`,
    );
  }
  return createSqliteStore({ path, pruneIntervalInMs: 0 });
}
