import { Option, type Command } from 'commander';
import { reportDimensionChoices } from '../reports/report-dimension.js';
import type { AdminClient } from './admin-client.js';
import type { CliOutput } from './cli-output.js';
import type { Environment } from './load-config-file.js';
import { reportCommand, reportFormats, type ReportFormat } from './report-command.js';

interface ReportFlags {
  since: string;
  until?: string;
  by: string;
  format: ReportFormat;
  config?: string;
  db?: string;
}

/** Registers `warden report` on the program. */
export function addReportCommand(options: { program: Command; env: Environment; output: CliOutput; client: (command: Command) => AdminClient }): void {
  const { program, env, output, client } = options;
  program
    .command('report')
    .description('cost per task and per call from the ledger, grouped: mean, p50/p95/p99/max, success rate, refusals, cache savings, retries, suggested caps')
    .option('--since <when>', 'start of the period: a duration back from now (30d, 12h, 90m, 2w), a UTC date (2026-11-01) or an ISO time', '30d')
    .option('--until <when>', 'end of the period, excluded (default: now)')
    .option('--by <dimension>', `what to group by: ${reportDimensionChoices.join(', ')}`, 'task-type')
    .addOption(new Option('--format <format>', 'output format').choices(reportFormats).default('table'))
    .option('--config <file>', "read the ledger this config names (its SQLite file, or PostgreSQL)")
    .option('--db <file>', 'read this SQLite file (overrides server.sqlitePath)')
    .addHelpText(
      'after',
      `
Without --url the report reads the ledger itself: --db, or the store --config names (default
warden.db). With --url (and --admin-key) it asks that gateway's GET /admin/reports instead.
Percentiles are nearest-rank: the cost at rank ceil(p/100 × n) of the n tasks sorted by cost.`,
    )
    .action(async (flags: ReportFlags, command: Command) => {
      const viaGateway = command.optsWithGlobals<{ url?: string }>().url !== undefined;
      await reportCommand({
        source: viaGateway
          ? { kind: 'gateway', client: client(command) }
          : { kind: 'ledger', env, ...(flags.config === undefined ? {} : { configPath: flags.config }), ...(flags.db === undefined ? {} : { sqlitePath: flags.db }) },
        since: flags.since,
        ...(flags.until === undefined ? {} : { until: flags.until }),
        by: flags.by,
        format: flags.format,
        output,
        nowInMs: () => Date.now(),
      });
    });
}
