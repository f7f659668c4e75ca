import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { NanoUsd } from '../core/money.js';
import { parseConfig } from '../core/parse-config.js';
import { WardenError } from '../core/warden-error.js';
import { parsePlan } from '../planner/parse-plan.js';
import { planExpectedCost } from '../planner/plan-expected-cost.js';
import { createSeededRandom } from '../core/seeded-random.js';
import { stepsFromLedger } from '../planner/steps-from-ledger.js';
import type { TaskPlan } from '../planner/task-plan.js';
import { openConfiguredStore } from '../stores/open-configured-store.js';
import type { CliOutput } from './cli-output.js';
import { formatPlanTable, planReportJson, type PlanSource } from './format-plan-report.js';
import { loadConfigFile, type Environment } from './load-config-file.js';
import { parseReportTime } from '../reports/parse-report-time.js';

/** Retry limits and the hand-off price for a plan read from the ledger (a plan file carries its own). */
export interface LedgerPlanPolicy {
  handOffCostInNanoUsd?: NanoUsd;
  handOffAttemptsPerStep?: number;
  resumeCostFraction?: number;
  maxAttemptsPerStep?: number;
  maxAttemptsPerTask?: number;
}

export interface PlanCommandOptions {
  filePath?: string;
  /** Present with --from-ledger. */
  ledger?: { taskTypes: readonly string[]; since: string; configPath?: string; sqlitePath?: string; policy: LedgerPlanPolicy };
  format: 'table' | 'json';
  samples: number;
  seed: number;
  nowInMs: number;
  env: Environment;
  output: CliOutput;
}

/**
 * `warden plan`: the expected and p95 cost per task under restart, resume and hand-off, from a plan
 * file or from the ledger's observed success rates and attempt costs per task type.
 */
export async function planCommand(options: PlanCommandOptions): Promise<void> {
  const { plan, source } = options.ledger === undefined ? await planFromFile(options.filePath) : await planFromLedger({ ...options.ledger, nowInMs: options.nowInMs, env: options.env });
  const report = planExpectedCost({ plan, random: createSeededRandom(options.seed), samples: options.samples });
  const shown = { report, source, seed: options.seed };
  options.output.out(options.format === 'json' ? JSON.stringify(planReportJson(shown), null, 2) : formatPlanTable(shown));
}

async function planFromFile(path: string | undefined): Promise<{ plan: TaskPlan; source: PlanSource }> {
  if (path === undefined) throw new WardenError('invalid_request', 'warden plan needs steps: pass --file plan.yaml, or --from-ledger --task-types a,b,c to use what the ledger observed.');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist; check the path given to --file' : (cause as Error).message;
    throw new WardenError('invalid_config', `Cannot read plan ${path}: ${reason}`, { cause, details: { path } });
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new WardenError('invalid_config', `Invalid YAML in plan ${path}:\n${document.errors.map((error) => `  ${error.message}`).join('\n')}`, { details: { path } });
  }
  return { plan: parsePlan(document.toJS(), path), source: { kind: 'file', path } };
}

async function planFromLedger(options: NonNullable<PlanCommandOptions['ledger']> & { nowInMs: number; env: Environment }): Promise<{ plan: TaskPlan; source: PlanSource }> {
  const { taskTypes, policy } = options;
  if (taskTypes.length === 0) throw new WardenError('invalid_request', '--from-ledger needs --task-types: the task types of the chain in order, like --task-types plan,search,write.');
  const repeated = taskTypes.find((taskType, index) => taskTypes.indexOf(taskType) !== index);
  if (repeated !== undefined) throw new WardenError('invalid_request', `--task-types names "${repeated}" twice; list each task type (step) once, in chain order.`);
  if (policy.maxAttemptsPerTask !== undefined && policy.maxAttemptsPerTask < taskTypes.length) {
    throw new WardenError('invalid_request', `--max-attempts-per-task ${policy.maxAttemptsPerTask} is below the ${taskTypes.length} steps, so no task could finish; raise it or leave it out.`);
  }
  if (policy.handOffAttemptsPerStep !== undefined && policy.handOffCostInNanoUsd === undefined) {
    throw new WardenError('invalid_request', '--hand-off-attempts needs --hand-off-cost: what a person taking over one task costs, like --hand-off-cost 2.50.');
  }
  const sinceInMs = parseReportTime(options.since, { nowInMs: options.nowInMs, where: '--since' });
  const config = options.configPath === undefined ? parseConfig({}) : await loadConfigFile(options.configPath, options.env);
  const sqlitePath = resolve(options.sqlitePath ?? config.server.sqlitePath);
  if (config.storage.ledger === 'sqlite' && !existsSync(sqlitePath)) {
    throw new WardenError('invalid_config', `There is no Warden database at ${sqlitePath}. Point --db at the SQLite file whose ledger to read, or --config at the gateway's config.`);
  }
  const store = await openConfiguredStore({ storage: config.storage, sqlitePath, sqliteDurability: config.server.sqliteDurability });
  let derived: Awaited<ReturnType<typeof stepsFromLedger>>;
  try {
    derived = await stepsFromLedger({ store, taskTypes, sinceInMs, untilInMs: options.nowInMs });
  } finally {
    await store.close();
  }
  const steps = derived.steps.map((step) => ({
    ...step,
    resumeCostFraction: policy.resumeCostFraction ?? 0,
    ...(policy.maxAttemptsPerStep === undefined ? {} : { maxAttempts: policy.maxAttemptsPerStep }),
  }));
  const plan: TaskPlan = {
    name: taskTypes.join(' → '),
    steps,
    ...(policy.maxAttemptsPerTask === undefined ? {} : { maxAttemptsPerTask: policy.maxAttemptsPerTask }),
    ...(policy.handOffCostInNanoUsd === undefined ? {} : { handOff: { costInNanoUsd: policy.handOffCostInNanoUsd, attemptsPerStep: policy.handOffAttemptsPerStep ?? 1 } }),
  };
  return { plan, source: { kind: 'ledger', sinceInMs, statistics: derived.statistics } };
}
