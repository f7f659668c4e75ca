import { Option, type Command } from 'commander';
import type { CliOutput } from './cli-output.js';
import type { Environment } from './load-config-file.js';
import { replayCommand } from './replay-command.js';

interface ReplayFlags {
  config: string;
  since: string;
  until?: string;
  format: 'table' | 'json';
  liveConfig?: string;
  db?: string;
}

/** Registers `warden replay` on the program. */
export function addReplayCommand(options: { program: Command; env: Environment; output: CliOutput }): void {
  const { program, env, output } = options;
  program
    .command('replay')
    .description('what-if: run the recorded calls through a candidate policy (budgets, tiers and routing, cache) and compare the spend')
    .requiredOption('--config <file>', 'the candidate policy: a Warden config (YAML or JSON)')
    .option('--since <when>', 'how far back to replay, like 30d, 12h, 2w or 2026-11-01', '30d')
    .option('--until <when>', 'where to stop, the same way (default now)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--live-config <file>', "the live deployment's config, for where its ledger is (storage, server.sqlitePath)")
    .option('--db <file>', 'the SQLite file whose ledger to replay (overrides server.sqlitePath)')
    .addHelpText(
      'after',
      `
Nothing is written: the report says what the candidate would have refused, downgraded, rerouted or
served from cache, the spend with and without it per team and per task type, and its assumptions.`,
    )
    .action(async (flags: ReplayFlags) =>
      replayCommand({
        candidatePath: flags.config,
        since: flags.since,
        ...(flags.until === undefined ? {} : { until: flags.until }),
        format: flags.format,
        ...(flags.liveConfig === undefined ? {} : { liveConfigPath: flags.liveConfig }),
        ...(flags.db === undefined ? {} : { sqlitePath: flags.db }),
        nowInMs: Date.now(),
        env,
        output,
      }),
    );
}
