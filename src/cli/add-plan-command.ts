import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseUsd, type NanoUsd } from '../core/money.js';
import { WardenError } from '../core/warden-error.js';
import type { CliOutput } from './cli-output.js';
import type { Environment } from './load-config-file.js';
import { planCommand, type LedgerPlanPolicy, type PlanCommandOptions } from './plan-command.js';

interface PlanFlags {
  file?: string;
  fromLedger?: boolean;
  taskTypes?: string[];
  since: string;
  config?: string;
  db?: string;
  format: 'table' | 'json';
  samples: number;
  seed: number;
  handOffCost?: NanoUsd;
  handOffAttempts?: number;
  resumeCostFraction?: number;
  maxAttemptsPerStep?: number;
  maxAttemptsPerTask?: number;
}

const ledgerOnlyFlags = [
  ['taskTypes', '--task-types'],
  ['config', '--config'],
  ['db', '--db'],
  ['handOffCost', '--hand-off-cost'],
  ['handOffAttempts', '--hand-off-attempts'],
  ['resumeCostFraction', '--resume-cost-fraction'],
  ['maxAttemptsPerStep', '--max-attempts-per-step'],
  ['maxAttemptsPerTask', '--max-attempts-per-task'],
] as const;

/** Registers `warden plan` on the program. */
export function addPlanCommand(options: { program: Command; env: Environment; output: CliOutput }): void {
  const { program, env, output } = options;
  program
    .command('plan')
    .description('expected and p95 cost per task under restart, resume and hand-off, from a plan file or the ledger')
    .option('--file <plan>', 'YAML or JSON plan: steps with successRate and costPerAttempt or attemptCosts')
    .option('--from-ledger', "use the ledger's observed success rates and attempt costs per task type")
    .option('--task-types <list>', 'with --from-ledger: the chain of task types in order, like plan,search,write', splitList)
    .option('--since <when>', 'with --from-ledger: how far back to look, like 30d, 12h or 2026-11-01', '30d')
    .option('--config <file>', 'with --from-ledger: the config whose store holds the ledger')
    .option('--db <file>', 'with --from-ledger: the SQLite file whose ledger to read (overrides server.sqlitePath)')
    .option('--hand-off-cost <usd>', 'with --from-ledger: what a person taking over one task costs, like 2.50', parseDollars)
    .option('--hand-off-attempts <n>', 'with --from-ledger: attempts of a failing step before a person takes over (default 1)', parsePositiveInteger)
    .option('--resume-cost-fraction <x>', "with --from-ledger: share of the checkpoint's work a resumed retry pays again (default 0)", parseFraction)
    .option('--max-attempts-per-step <n>', 'with --from-ledger: attempts of one step in a task, restarts included', parsePositiveInteger)
    .option('--max-attempts-per-task <n>', 'with --from-ledger: step attempts in a task, all steps together', parsePositiveInteger)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--samples <n>', 'simulated tasks per strategy', parseSamples, 100_000)
    .option('--seed <n>', 'seed of the simulation, for reproducible figures', parseSeed, 1)
    .action(async (flags: PlanFlags, command: Command) => planCommand({ ...planSource(flags, command), format: flags.format, samples: flags.samples, seed: flags.seed, nowInMs: Date.now(), env, output }));
}

/** Where the steps come from: the file, or the ledger with the limits the flags set. */
function planSource(flags: PlanFlags, command: Command): Pick<PlanCommandOptions, 'filePath' | 'ledger'> {
  if ((flags.file === undefined) === (flags.fromLedger !== true)) {
    throw new WardenError('invalid_request', 'warden plan takes its steps from one place: --file plan.yaml, or --from-ledger --task-types a,b,c.');
  }
  if (flags.file !== undefined) {
    const misplaced = [
      ...ledgerOnlyFlags.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag),
      ...(command.getOptionValueSource('since') === 'cli' ? ['--since'] : []),
    ];
    if (misplaced.length > 0) {
      throw new WardenError('invalid_request', `${misplaced.join(', ')} only apply with --from-ledger; with --file, write limits and handOff into the plan file.`);
    }
    return { filePath: flags.file };
  }
  const policy: LedgerPlanPolicy = {
    ...(flags.handOffCost === undefined ? {} : { handOffCostInNanoUsd: flags.handOffCost }),
    ...(flags.handOffAttempts === undefined ? {} : { handOffAttemptsPerStep: flags.handOffAttempts }),
    ...(flags.resumeCostFraction === undefined ? {} : { resumeCostFraction: flags.resumeCostFraction }),
    ...(flags.maxAttemptsPerStep === undefined ? {} : { maxAttemptsPerStep: flags.maxAttemptsPerStep }),
    ...(flags.maxAttemptsPerTask === undefined ? {} : { maxAttemptsPerTask: flags.maxAttemptsPerTask }),
  };
  return {
    ledger: {
      taskTypes: flags.taskTypes ?? [],
      since: flags.since,
      ...(flags.config === undefined ? {} : { configPath: flags.config }),
      ...(flags.db === undefined ? {} : { sqlitePath: flags.db }),
      policy,
    },
  };
}

function parsePositiveInteger(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1) throw new InvalidArgumentError('expected a whole number above 0.');
  return value;
}

function parseSamples(text: string): number {
  const value = parsePositiveInteger(text);
  if (value > 10_000_000) throw new InvalidArgumentError('expected at most 10000000 samples; 100000 gives figures to a few tenths of a percent.');
  return value;
}

function parseSeed(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value > 4_294_967_295) throw new InvalidArgumentError('expected a whole number from 0 to 4294967295.');
  return value;
}

function parseFraction(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 10) throw new InvalidArgumentError('expected a fraction like 0.25 (0: restoring a checkpoint is free; 1: it costs the work before it again).');
  return value;
}

function parseDollars(text: string): NanoUsd {
  const nano = parseUsd(text);
  if (nano === undefined) throw new InvalidArgumentError('expected a dollar amount like "2.50".');
  return nano;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
