import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { ErrorTally, sendChatRequest, type LoadTarget } from './send-chat-request.js';
import { spreadOf, type Spread } from './spread.js';
import { summarizeLatency, type LatencySummary } from './summarize-latency.js';

/** One run of closed loops against one subject. */
export interface ThroughputRun {
  /** 200s completed inside the measured window. */
  completed: number;
  measuredInMs: number;
  /** Failed requests over the whole run, warm-up included. */
  errors: ErrorTally;
  /** Latency of the requests both started and completed inside the window. */
  latencyInNs: number[];
}

/**
 * `connections` closed loops on a pool of as many connections, each sending the next request as
 * soon as the last answer is read, for `warmupInMs` (discarded) then `durationInMs` (counted by
 * completion time).
 */
export async function measureThroughput(options: { target: LoadTarget; connections: number; warmupInMs: number; durationInMs: number }): Promise<ThroughputRun> {
  const { target, connections, warmupInMs, durationInMs } = options;
  const pool = new Pool(target.url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const errors = new ErrorTally();
  const latencyInNs: number[] = [];
  const windowStartInMs = performance.now() + warmupInMs;
  const windowEndInMs = windowStartInMs + durationInMs;
  let completed = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < windowEndInMs) {
      const startInMs = performance.now();
      const problem = await sendChatRequest(pool, target);
      const endInMs = performance.now();
      if (problem !== undefined) errors.add(problem);
      else if (endInMs >= windowStartInMs && endInMs <= windowEndInMs) {
        completed += 1;
        if (startInMs >= windowStartInMs) latencyInNs.push((endInMs - startInMs) * 1_000_000);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, loop));
  } finally {
    await pool.close();
  }
  return { completed, measuredInMs: durationInMs, errors, latencyInNs };
}

/** Rounds of one subject at one concurrency: requests/s as the median of rounds, latency over all rounds. */
export interface ThroughputResult {
  subject: string;
  connections: number;
  requestsPerSecond: Spread;
  latency: LatencySummary;
  errors: number;
  errorSamples: string[];
}

export function foldThroughputRuns(options: { subject: string; connections: number; runs: readonly ThroughputRun[] }): ThroughputResult {
  const { subject, connections, runs } = options;
  return {
    subject,
    connections,
    requestsPerSecond: spreadOf(runs.map((run) => Math.round((run.completed / run.measuredInMs) * 1_000))),
    latency: summarizeLatency(runs.flatMap((run) => run.latencyInNs)),
    errors: runs.reduce((sum, run) => sum + run.errors.count, 0),
    errorSamples: runs.flatMap((run) => run.errors.samples).slice(0, 3),
  };
}
