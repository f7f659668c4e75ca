import { formatUsd, nanoToUsdText } from '../core/money.js';
import type { LedgerStepStatistics } from '../planner/steps-from-ledger.js';
import type { PlanReport, StrategyReport } from '../planner/plan-expected-cost.js';
import { formatTable } from './format-table.js';

/** Where the plan's steps came from, shown above the figures. */
export type PlanSource = { kind: 'file'; path: string } | { kind: 'ledger'; sinceInMs: number; statistics: readonly LedgerStepStatistics[] };

const strategyMeaning: Record<StrategyReport['strategy'], string> = {
  restart: 'a failed step reruns the task from step 1',
  resume: 'a failed step is retried alone from the checkpoint before it',
  'hand-off': 'a step that runs out of attempts goes to a person',
};

/** The report for terminals: steps, one row per strategy, the one-point savings per strategy, and the notes. */
export function formatPlanTable(options: { report: PlanReport; source: PlanSource; seed: number }): string {
  const { report, source, seed } = options;
  const origin = source.kind === 'file' ? source.path : `the ledger since ${new Date(source.sinceInMs).toISOString().slice(0, 10)}`;
  const statistics = source.kind === 'ledger' ? new Map(source.statistics.map((entry) => [entry.taskType, entry])) : undefined;
  const steps = formatTable({
    header: ['step', 'success', 'mean attempt', 'attempt costs', ...(statistics ? ['finished tasks'] : []), 'resume fraction', 'max attempts'],
    rows: report.steps.map((step) => {
      const observed = statistics?.get(step.name);
      return [
        step.name,
        percent(step.successProbability),
        formatUsd(step.meanAttemptCostInNanoUsd),
        step.costKind === 'fixed' ? 'fixed' : 'observed',
        ...(statistics ? [`${observed?.succeededTasks ?? 0}/${observed?.finishedTasks ?? 0} succeeded`] : []),
        String(step.resumeCostFraction),
        step.maxAttempts === null ? '-' : String(step.maxAttempts),
      ];
    }),
  });
  const strategies = formatTable({
    header: ['strategy', 'expected cost', 'how', 'p95', 'success', 'per finished task', 'meaning'],
    rows: report.strategies.map((entry) => [
      entry.strategy,
      formatUsd(entry.expectedCostInNanoUsd),
      entry.standardErrorInNanoUsd === null ? 'exact' : `± ${formatUsd(entry.standardErrorInNanoUsd)} (simulated)`,
      formatUsd(entry.p95CostInNanoUsd),
      entry.strategy === 'hand-off' ? `${percent(entry.successProbability)} (+${percent(entry.handOffProbability)} by a person)` : percent(entry.successProbability),
      entry.expectedCostPerFinishedTaskInNanoUsd === null ? '-' : formatUsd(entry.expectedCostPerFinishedTaskInNanoUsd),
      strategyMeaning[entry.strategy],
    ]),
  });
  const savings = formatTable({
    header: ['step', 'success +1 point', ...report.strategies.map((entry) => `${entry.strategy} saves`)],
    rows: report.steps.map((step, index) => [
      step.name,
      `${percent(step.successProbability)} → ${percent(report.strategies[0]?.onePointSavings[index]?.improvedSuccessProbability ?? step.successProbability)}`,
      ...report.strategies.map((entry) => {
        const saving = entry.onePointSavings[index];
        if (saving === undefined) return '-';
        return saving.standardErrorInNanoUsd === null ? formatUsd(saving.savingInNanoUsd) : `${formatUsd(saving.savingInNanoUsd)} ± ${formatUsd(saving.standardErrorInNanoUsd)}`;
      }),
    ]),
  });
  return [
    `Plan "${report.plan}": ${report.steps.length} step${report.steps.length === 1 ? '' : 's'} from ${origin}; ${report.samples} simulated tasks (seed ${seed}).`,
    '',
    steps,
    '',
    'Cost per task:',
    strategies,
    '',
    'Saving per task when one step fails one point less often:',
    savings,
    '',
    ...report.notes.map((note) => `- ${note}`),
  ].join('\n');
}

/** The report as JSON-ready data, money as exact USD decimal text. */
export function planReportJson(options: { report: PlanReport; source: PlanSource; seed: number }): unknown {
  const { report, source, seed } = options;
  const usd = (nano: number) => nanoToUsdText(Math.round(nano));
  return {
    plan: report.plan,
    source: source.kind === 'file' ? { file: source.path } : { ledgerSince: new Date(source.sinceInMs).toISOString(), tasks: source.statistics },
    samples: report.samples,
    seed,
    steps: report.steps.map(({ meanAttemptCostInNanoUsd, ...step }) => ({ ...step, meanAttemptCostUsd: usd(meanAttemptCostInNanoUsd) })),
    strategies: report.strategies.map((entry) => ({
      strategy: entry.strategy,
      method: entry.method,
      expectedCostUsd: usd(entry.expectedCostInNanoUsd),
      standardErrorUsd: entry.standardErrorInNanoUsd === null ? null : usd(entry.standardErrorInNanoUsd),
      p95CostUsd: usd(entry.p95CostInNanoUsd),
      expectedMachineCostUsd: usd(entry.expectedMachineCostInNanoUsd),
      expectedCostPerFinishedTaskUsd: entry.expectedCostPerFinishedTaskInNanoUsd === null ? null : usd(entry.expectedCostPerFinishedTaskInNanoUsd),
      successProbability: entry.successProbability,
      handOffProbability: entry.handOffProbability,
      simulation: {
        samples: entry.simulation.samples,
        meanUsd: usd(entry.simulation.meanInNanoUsd),
        standardErrorUsd: usd(entry.simulation.standardErrorInNanoUsd),
        p95Usd: usd(entry.simulation.p95InNanoUsd),
        successRate: entry.simulation.successRate,
        successStandardError: entry.simulation.successStandardError,
        handOffRate: entry.simulation.handOffRate,
      },
      onePointSavings: entry.onePointSavings.map(({ savingInNanoUsd, standardErrorInNanoUsd, ...saving }) => ({
        ...saving,
        savingUsd: usd(savingInNanoUsd),
        standardErrorUsd: standardErrorInNanoUsd === null ? null : usd(standardErrorInNanoUsd),
      })),
    })),
    notes: report.notes,
  };
}

function percent(probability: number): string {
  return `${(probability * 100).toFixed(2)}%`;
}
