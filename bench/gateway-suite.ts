import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchEnvironment } from './bench-environment.js';
import { countSuiteErrors } from './count-suite-errors.js';
import { evaluateTargets } from './report/evaluate-targets.js';
import { printSuiteReport, suiteReportMarkdown } from './report/print-suite-report.js';
import { renderSuiteChart } from './report/render-suite-chart.js';
import { summarizeSuite } from './report/summarize-suite.js';
import { runGatewaySuite } from './run-gateway-suite.js';
import { canPinProcesses, pinProcess } from './subjects/cpu-pinning.js';
import { loadCpu, subjectCpu } from './subjects/start-subject-set.js';
import { subjectLabels } from './subjects/subject-names.js';
import { workloadNames, type WorkloadName } from './suite-results.js';
import { fullSettings, mockProfiles, quickSettings } from './suite-settings.js';

/**
 * The gateway suite: `node dist/bench/gateway-suite.js [--full] [--workloads=W1,W4]`. Quick by
 * default. Writes bench/results/gateway-<mode>.json (raw results, environment), .md (the tables)
 * and .svg (the chart); a run limited to some workloads adds their names to the file names.
 */
async function main(): Promise<void> {
  const argumentsGiven = process.argv.slice(2);
  const settings = argumentsGiven.includes('--full') ? fullSettings : quickSettings;
  const workloads = chosenWorkloads(argumentsGiven);
  const pinned = canPinProcesses();
  if (pinned) pinProcess({ pid: process.pid, cpu: loadCpu });
  console.log(`Gateway suite (${settings.mode}), workloads ${[...workloads].join(', ')}.`);
  console.log(pinned ? `Pinned: subjects on CPU ${subjectCpu}, mock and load generator on CPU ${loadCpu}.` : 'Not pinned: taskset or a second CPU is missing.');
  const startedAtInMs = performance.now();
  const results = await runGatewaySuite({ settings, workloads, pinned, log: (line) => console.log(`[${((performance.now() - startedAtInMs) / 1_000).toFixed(0)} s] ${line}`) });
  const durationInSeconds = Math.round((performance.now() - startedAtInMs) / 1_000);
  const summary = summarizeSuite(results);
  const targets = evaluateTargets(results);
  const errors = countSuiteErrors(results);
  const environment = benchEnvironment();
  printSuiteReport(summary, targets);

  const name = `gateway-${settings.mode}${workloads.size === workloadNames.length ? '' : `-${[...workloads].join('-')}`}`;
  const directory = join('bench', 'results');
  mkdirSync(directory, { recursive: true });
  const report = {
    benchmark: 'gateway-suite',
    mode: settings.mode,
    description: 'POST /v1/chat/completions (gpt-4o-mini) direct to the mock upstream and through a bare node:http + undici proxy, the Portkey gateway, and Warden with budgets on and off; every subject in its own process in front of the same mock process. Latency in µs unless named, memory in MB, medians of rounds with their range.',
    durationInSeconds,
    subjects: subjectLabels,
    workloads: [...workloads],
    settings,
    mocks: mockProfiles,
    environment: { ...environment, pinning: pinned ? { used: true, subjectCpu, mockCpu: loadCpu, loadGeneratorCpu: loadCpu } : { used: false } },
    errors,
    summary,
    targets,
    results,
  };
  writeFileSync(join(directory, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(directory, `${name}.md`), suiteReportMarkdown(summary, targets));
  writeFileSync(join(directory, `${name}.svg`), await renderSuiteChart({ results, environment, mode: settings.mode }));
  console.log(`Wrote ${directory}/${name}.json, .md and .svg in ${durationInSeconds} s.`);

  if (errors.total > 0) {
    console.error(`\n${errors.total} request(s) failed (${JSON.stringify(errors.byWorkload)}); the figures leave them out and are not comparable. See errorSamples in ${directory}/${name}.json.`);
    process.exitCode = 1;
  }
  if (results.W5 !== undefined && (results.W5.overshootInNanoUsd !== 0 || results.W5.falseRefusals !== 0)) {
    console.error(`\nW5: overshoot ${results.W5.overshootInNanoUsd} nano-USD and ${results.W5.falseRefusals} false refusal(s); both must be 0.`);
    process.exitCode = 1;
  }
}

function chosenWorkloads(argumentsGiven: readonly string[]): ReadonlySet<WorkloadName> {
  const option = argumentsGiven.find((argument) => argument.startsWith('--workloads='));
  if (option === undefined) return new Set(workloadNames);
  const chosen = option.slice('--workloads='.length).split(',').map((name) => name.trim().toUpperCase());
  const unknown = chosen.filter((name) => !(workloadNames as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`Unknown workload(s) ${unknown.join(', ')}; choose from ${workloadNames.join(', ')}, e.g. --workloads=W1,W2.`);
  return new Set(workloadNames.filter((name) => chosen.includes(name)));
}

await main();
