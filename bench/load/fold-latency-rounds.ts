import type { OneAtATimeRound } from './measure-one-at-a-time.js';
import type { ErrorTally } from './send-chat-request.js';
import { spreadOf, type Spread } from './spread.js';
import { roundTo2, type LatencySummary } from './summarize-latency.js';

/** Percentiles of one subject over rounds, in µs, with what it adds over `direct` in the same rounds. */
export interface LatencyResult {
  subject: string;
  samples: number;
  p50InUs: Spread;
  p90InUs: Spread;
  p99InUs: Spread;
  /** Subject percentile minus direct's, round by round; absent for direct itself. */
  added?: { p50InUs: Spread; p90InUs: Spread; p99InUs: Spread };
  errors: number;
  errorSamples: string[];
}

const percentiles = ['p50InUs', 'p90InUs', 'p99InUs'] as const;

/** Folds interleaved rounds (each a list of subjects) into medians of rounds with their range. */
export function foldLatencyRounds(rounds: ReadonlyArray<readonly OneAtATimeRound[]>): LatencyResult[] {
  const subjects = rounds[0]?.map((round) => round.subject) ?? [];
  const latencyOf = (subject: string): LatencySummary[] => rounds.map((round) => (round.find((entry) => entry.subject === subject) as OneAtATimeRound).latency);
  const direct = subjects.includes('direct') ? latencyOf('direct') : undefined;
  return subjects.map((subject) => {
    const latency = latencyOf(subject);
    const spreadAt = (percentile: (typeof percentiles)[number]): Spread => spreadOf(latency.map((summary) => summary[percentile]));
    const addedAt = (percentile: (typeof percentiles)[number]): Spread => spreadOf(latency.map((summary, index) => roundTo2(summary[percentile] - (direct?.[index]?.[percentile] ?? Number.NaN))));
    const errors = mergeErrors(rounds.map((round) => (round.find((entry) => entry.subject === subject) as OneAtATimeRound).errors));
    return {
      subject,
      samples: latency.reduce((sum, summary) => sum + summary.samples, 0),
      p50InUs: spreadAt('p50InUs'),
      p90InUs: spreadAt('p90InUs'),
      p99InUs: spreadAt('p99InUs'),
      ...(direct === undefined || subject === 'direct' ? {} : { added: { p50InUs: addedAt('p50InUs'), p90InUs: addedAt('p90InUs'), p99InUs: addedAt('p99InUs') } }),
      ...errors,
    };
  });
}

/** Adds up error tallies: every failure counts, and the first few reasons are kept. */
export function mergeErrors(tallies: readonly ErrorTally[]): { errors: number; errorSamples: string[] } {
  return { errors: tallies.reduce((sum, tally) => sum + tally.count, 0), errorSamples: tallies.flatMap((tally) => tally.samples).slice(0, 3) };
}
