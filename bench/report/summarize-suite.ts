import { formatSpread, type Spread } from '../load/spread.js';
import { subjectNames, type SubjectName } from '../subjects/subject-names.js';
import type { SuiteResults } from '../suite-results.js';

/** One line of the subject × workload table: a measure, and its value for every subject as text. */
export interface SummaryRow {
  workload: string;
  measure: string;
  values: Record<SubjectName, string>;
}

/** Medians of rounds with their range, "—" where a subject has no such measure. */
export function summarizeSuite(results: SuiteResults): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const row = (workload: string, measure: string, value: (subject: SubjectName) => string | undefined): void => {
    rows.push({ workload, measure, values: Object.fromEntries(subjectNames.map((subject) => [subject, value(subject) ?? '—'])) as Record<SubjectName, string> });
  };
  const spread = (value: Spread | undefined, digits = 0): string | undefined => (value === undefined ? undefined : formatSpread(value, digits));
  const errors = (count: number | undefined): string | undefined => (count === undefined ? undefined : String(count));

  if (results.W1) {
    const w1 = (subject: SubjectName) => results.W1?.find((result) => result.subject === subject);
    row('W1', 'p50 µs', (subject) => spread(w1(subject)?.p50InUs));
    row('W1', 'added p50 µs', (subject) => spread(w1(subject)?.added?.p50InUs));
    row('W1', 'added p90 µs', (subject) => spread(w1(subject)?.added?.p90InUs));
    row('W1', 'added p99 µs', (subject) => spread(w1(subject)?.added?.p99InUs));
    row('W1', 'errors', (subject) => errors(w1(subject)?.errors));
  }
  for (const sweep of results.W2 ?? []) {
    for (const point of sweep.points) {
      const rateOf = (subject: SubjectName): number | undefined => point.subjects.find((result) => result.subject === subject)?.requestsPerSecond.median;
      const times = (value: number, base: number | undefined, name: string): string => (base === undefined ? '' : `, ${(value / base).toFixed(2)}× ${name}`);
      row('W2', `req/s, ${sweep.mock} mock, ${point.connections} conn.`, (subject) => {
        const result = point.subjects.find((entry) => entry.subject === subject);
        if (result === undefined) return undefined;
        const rate = result.requestsPerSecond.median;
        const ratios = subject === 'direct' ? '' : `${times(rate, rateOf('direct'), 'direct')}${subject === 'proxy' ? '' : times(rate, rateOf('proxy'), 'proxy')}`;
        return `${formatSpread(result.requestsPerSecond)}${ratios}${result.errors > 0 ? `, ${result.errors} errors` : ''}`;
      });
    }
  }
  if (results.W3) {
    const w3 = (subject: SubjectName) => results.W3?.find((result) => result.subject === subject);
    row('W3', 'success %', (subject) => spread(w3(subject)?.successPercent, 1));
    row('W3', 'added p99 ms', (subject) => spread(w3(subject)?.addedP99InMs, 1));
    row('W3', 'peak RSS MB', (subject) => spread(w3(subject)?.peakMemoryInMb, 1));
    row('W3', 'errors', (subject) => errors(w3(subject)?.errors));
  }
  if (results.W4) {
    const w4 = (subject: SubjectName) => results.W4?.find((result) => result.subject === subject);
    row('W4', 'time to first token p50 ms', (subject) => spread(w4(subject)?.timeToFirstTokenP50InMs, 2));
    row('W4', 'added time to first token p50 ms', (subject) => spread(w4(subject)?.added?.timeToFirstTokenP50InMs, 2));
    row('W4', 'added time to first token p99 ms', (subject) => spread(w4(subject)?.added?.timeToFirstTokenP99InMs, 2));
    row('W4', 'added gap mean µs', (subject) => spread(w4(subject)?.added?.gapMeanInUs));
    row('W4', 'added gap p99 µs', (subject) => spread(w4(subject)?.added?.gapP99InUs));
    row('W4', 'stalls', (subject) => errors(w4(subject)?.stalls));
    row('W4', 'errors', (subject) => errors(w4(subject)?.errors));
  }
  if (results.W5) {
    const w5 = results.W5;
    row('W5', 'admitted / refused of requests (budget for K)', (subject) => (subject === 'warden' ? `${w5.rounds.map((round) => `${round.admitted}/${round.refused}`).join(', ')} of ${w5.requests} (K = ${w5.affordableCalls})` : undefined));
    row('W5', 'overshoot nano-USD / false refusals', (subject) => (subject === 'warden' ? `${w5.overshootInNanoUsd} / ${w5.falseRefusals}` : undefined));
    row('W5', 'errors', (subject) => (subject === 'warden' ? String(w5.errors) : undefined));
  }
  for (const size of results.W6 ?? []) {
    const w6 = (subject: SubjectName) => size.subjects.find((result) => result.subject === subject);
    // Direct adds nothing by definition: its column shows its own latency instead.
    row('W6', `added p50 µs, ${formatBytes(size.sizeInBytes)} body`, (subject) => (subject === 'direct' ? `own p50 ${spread(w6(subject)?.p50InUs) ?? '—'}` : spread(w6(subject)?.added?.p50InUs)));
    row('W6', `added p99 µs, ${formatBytes(size.sizeInBytes)} body`, (subject) => (subject === 'direct' ? `own p99 ${spread(w6(subject)?.p99InUs) ?? '—'}` : spread(w6(subject)?.added?.p99InUs)));
  }
  if (results.W6) {
    row('W6', 'errors', (subject) => errors(results.W6?.reduce((sum, size) => sum + (size.subjects.find((result) => result.subject === subject)?.errors ?? 0), 0)));
  }
  return rows;
}

export function formatBytes(sizeInBytes: number): string {
  if (sizeInBytes >= 1_000_000) return `${sizeInBytes / 1_000_000} MB`;
  if (sizeInBytes >= 1_000) return `${sizeInBytes / 1_000} KB`;
  return `${sizeInBytes} B`;
}
