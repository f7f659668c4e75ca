import type { ThroughputResult } from '../load/measure-throughput.js';
import { roundTo2 } from '../load/summarize-latency.js';
import type { SuiteResults } from '../suite-results.js';

/** One DESIGN §7 target, measured in this run. */
export interface TargetRow {
  measure: string;
  value: number | undefined;
  target: string;
  /** Undefined when the run did not measure it, or for rows given as context. */
  met: boolean | undefined;
  detail: string;
}

const ratio = (numerator: number, denominator: number): number => Math.round((numerator / denominator) * 1_000) / 1_000;

/** A figure for the detail column: `digits` decimals, thousands separated, "—" when missing. */
const show = (value: number | undefined, digits = 0): string => (value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits }));

/**
 * Added latencies of a few µs are below what this method resolves (timer and scheduler noise), so
 * stream gap ratios count anything under this floor as the floor.
 */
export const addedGapFloorInUs = 50;

/** The DESIGN §7 targets for Warden (budgets on), as ratios measured in this run, plus context rows. */
export function evaluateTargets(results: SuiteResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const add = (row: Omit<TargetRow, 'met'> & { met?: boolean | undefined }): void => {
    rows.push({ ...row, met: row.value === undefined || Number.isNaN(row.value) ? undefined : row.met });
  };
  const w1 = (subject: string) => results.W1?.find((result) => result.subject === subject)?.added;
  const latencyRatio = (percentile: 'p50InUs' | 'p99InUs'): number | undefined => {
    const warden = w1('warden')?.[percentile].median;
    const proxy = w1('proxy')?.[percentile].median;
    return warden === undefined || proxy === undefined ? undefined : ratio(warden, proxy);
  };
  for (const percentile of ['p50InUs', 'p99InUs'] as const) {
    const value = latencyRatio(percentile);
    const name = percentile.slice(0, 3);
    add({ measure: `W1 added ${name}: Warden / bare proxy`, value, target: '≤ 1.25', met: value !== undefined && value <= 1.25, detail: `${show(w1('warden')?.[percentile].median)} µs vs ${show(w1('proxy')?.[percentile].median)} µs` });
  }

  const rate = (mock: string, connections: number, subject: string): number | undefined =>
    findPoint(results, mock, connections)?.find((result) => result.subject === subject)?.requestsPerSecond.median;
  const at50 = (subject: string): number | undefined => rate('instant', 50, subject);
  const toProxy = divide(at50('warden'), at50('proxy'));
  add({ measure: 'W2 req/s at 50 connections, instant mock: Warden / bare proxy', value: toProxy, target: '≥ 0.8', met: toProxy !== undefined && toProxy >= 0.8, detail: `${show(at50('warden'))} vs ${show(at50('proxy'))} req/s` });
  const toPortkey = divide(at50('warden'), at50('portkey'));
  add({ measure: 'W2 req/s at 50 connections, instant mock: Warden / Portkey', value: toPortkey, target: '≥ 10', met: toPortkey !== undefined && toPortkey >= 10, detail: `${show(at50('warden'))} vs ${show(at50('portkey'))} req/s` });
  const slow = results.W2?.find((sweep) => sweep.mock === '20 ms');
  const slowRatios = (slow?.points ?? []).map((point) => ({ connections: point.connections, value: divide(rate('20 ms', point.connections, 'warden'), rate('20 ms', point.connections, 'direct')) }));
  const lowest = slowRatios.reduce<{ connections: number; value: number | undefined } | undefined>((worst, entry) => (worst === undefined || (entry.value ?? Infinity) < (worst.value ?? Infinity) ? entry : worst), undefined);
  add({
    measure: `W2 req/s, 20 ms mock, ${slowRatios.map((entry) => entry.connections).join('/')} connections: Warden / direct (lowest)`,
    value: lowest?.value,
    target: '≥ 0.98 at every count',
    met: slowRatios.length > 0 && slowRatios.every((entry) => entry.value !== undefined && entry.value >= 0.98),
    detail: slowRatios.map((entry) => `${entry.connections}: ${entry.value ?? '—'}`).join(', '),
  });

  const w4 = (subject: string) => results.W4?.find((result) => result.subject === subject)?.added;
  const firstToken = divide(w4('warden')?.timeToFirstTokenP50InMs.median, w4('proxy')?.timeToFirstTokenP50InMs.median);
  add({ measure: 'W4 added time to first token (p50): Warden / bare proxy', value: firstToken, target: '≤ 1.25', met: firstToken !== undefined && firstToken <= 1.25, detail: `${show(w4('warden')?.timeToFirstTokenP50InMs.median, 2)} ms vs ${show(w4('proxy')?.timeToFirstTokenP50InMs.median, 2)} ms` });
  const floored = (value: number | undefined): number | undefined => (value === undefined ? undefined : Math.max(value, addedGapFloorInUs));
  const gap = divide(floored(w4('warden')?.gapP99InUs.median), floored(w4('proxy')?.gapP99InUs.median));
  add({ measure: `W4 added gap between chunks (p99, floor ${addedGapFloorInUs} µs): Warden / bare proxy`, value: gap, target: '≤ 1.25', met: gap !== undefined && gap <= 1.25, detail: `${show(w4('warden')?.gapP99InUs.median)} µs vs ${show(w4('proxy')?.gapP99InUs.median)} µs; mean ${show(w4('warden')?.gapMeanInUs.median)} vs ${show(w4('proxy')?.gapMeanInUs.median)} µs` });
  const stalls = results.W4?.find((result) => result.subject === 'warden')?.stalls;
  add({ measure: 'W4 Warden stalls (gap > 5 × pacing)', value: stalls, target: '0', met: stalls === 0, detail: `proxy ${results.W4?.find((result) => result.subject === 'proxy')?.stalls ?? '—'}` });

  const w3 = (subject: string) => results.W3?.find((result) => result.subject === subject);
  const success = w3('warden')?.successPercent.min;
  add({ measure: `W3 ${w3('warden')?.requests ?? 1_000} in flight: Warden success % (worst round)`, value: success, target: '100', met: success === 100 && w3('warden')?.errors === 0, detail: `${w3('warden')?.errors ?? '—'} errors` });
  const memory = divide(w3('warden')?.peakMemoryInMb?.median, w3('proxy')?.peakMemoryInMb?.median);
  add({ measure: 'W3 peak memory: Warden / bare proxy', value: memory, target: '≤ 1.5', met: memory !== undefined && memory <= 1.5, detail: `${show(w3('warden')?.peakMemoryInMb?.median, 1)} MB vs ${show(w3('proxy')?.peakMemoryInMb?.median, 1)} MB` });

  add({ measure: 'W5 overshoot (nano-USD, worst round)', value: results.W5?.overshootInNanoUsd, target: '0', met: results.W5?.overshootInNanoUsd === 0, detail: results.W5 === undefined ? '' : `${results.W5.requests} requests, budget for ${results.W5.affordableCalls}: admitted ${results.W5.rounds.map((round) => round.admitted).join('/')}` });
  add({ measure: 'W5 false refusals (worst round)', value: results.W5?.falseRefusals, target: '0', met: results.W5?.falseRefusals === 0, detail: results.W5 === undefined ? '' : `refused ${results.W5.rounds.map((round) => round.refused).join('/')}, errors ${results.W5.errors}` });

  const budgetsOn = w1('warden')?.p50InUs.median;
  const budgetsOff = w1('warden-budgets-off')?.p50InUs.median;
  const enforcement = budgetsOn === undefined || budgetsOff === undefined ? undefined : roundTo2(budgetsOn - budgetsOff);
  add({ measure: 'W1 added p50, Warden budgets on − budgets off (µs)', value: enforcement, target: '(context: enforcement ≤ 10 µs embedded is the reserve+commit micro-benchmark)', met: undefined, detail: '' });
  return rows;
}

function divide(numerator: number | undefined, denominator: number | undefined): number | undefined {
  return numerator === undefined || denominator === undefined || denominator === 0 ? undefined : ratio(numerator, denominator);
}

function findPoint(results: SuiteResults, mock: string, connections: number): ThroughputResult[] | undefined {
  return results.W2?.find((sweep) => sweep.mock === mock)?.points.find((point) => point.connections === connections)?.subjects;
}
