import { foldThroughputRuns, measureThroughput, type ThroughputResult, type ThroughputRun } from './measure-throughput.js';
import type { LoadTarget } from './send-chat-request.js';

/** W2 against one mock: requests/s of every subject at every concurrency. */
export interface ConcurrencySweepResult {
  /** Which mock the subjects stood in front of, e.g. "instant" or "20 ms". */
  mock: string;
  points: Array<{ connections: number; subjects: ThroughputResult[] }>;
}

/**
 * W2: closed loops at each connection count; at each count the rounds interleave the subjects
 * (a, b, c, a, b, c), each run with its own discarded warm-up.
 */
export async function runConcurrencySweepWorkload(options: {
  targets: readonly LoadTarget[];
  mock: string;
  connectionCounts: readonly number[];
  rounds: number;
  warmupInMs: number;
  durationInMs: number;
}): Promise<ConcurrencySweepResult> {
  const { targets, connectionCounts, rounds, warmupInMs, durationInMs } = options;
  const points: ConcurrencySweepResult['points'] = [];
  for (const connections of connectionCounts) {
    const runs = new Map<string, ThroughputRun[]>(targets.map((target) => [target.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const target of targets) runs.get(target.name)?.push(await measureThroughput({ target, connections, warmupInMs, durationInMs }));
    }
    points.push({ connections, subjects: targets.map((target) => foldThroughputRuns({ subject: target.name, connections, runs: runs.get(target.name) ?? [] })) });
  }
  return { mock: options.mock, points };
}
