import { foldLatencyRounds, type LatencyResult } from './fold-latency-rounds.js';
import { measureOneAtATime, type OneAtATimeRound } from './measure-one-at-a-time.js';
import { chatRequestBody, type LoadTarget } from './send-chat-request.js';

/**
 * W1: one request at a time, interleaved request by request across the subjects, in `rounds`
 * rounds (each with its own discarded warm-up). Reports p50/p90/p99 per subject and what each adds
 * over direct, as medians of rounds with their range.
 */
export async function runOneAtATimeWorkload(options: { targets: readonly LoadTarget[]; rounds: number; warmupPerSubject: number; measuredPerSubject: number }): Promise<LatencyResult[]> {
  const rounds: OneAtATimeRound[][] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    rounds.push(await measureOneAtATime({ targets: options.targets, warmupPerSubject: options.warmupPerSubject, measuredPerSubject: options.measuredPerSubject, body: chatRequestBody }));
  }
  return foldLatencyRounds(rounds);
}
