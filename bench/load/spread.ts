import { roundTo2 } from './summarize-latency.js';

/** One measure over several rounds: the median of the rounds, their range, and each round's value. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median: roundTo2(median), min: roundTo2(sorted[0] ?? Number.NaN), max: roundTo2(sorted.at(-1) ?? Number.NaN), rounds: values.map(roundTo2) };
}

/** `median (min–max)`, for tables. */
export function formatSpread(spread: Spread | undefined, digits = 0): string {
  if (spread === undefined || Number.isNaN(spread.median)) return '—';
  const format = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return spread.rounds.length > 1 ? `${format(spread.median)} (${format(spread.min)}–${format(spread.max)})` : format(spread.median);
}
