import { foldLatencyRounds, type LatencyResult } from './fold-latency-rounds.js';
import { measureOneAtATime, type OneAtATimeRound } from './measure-one-at-a-time.js';
import { chatBody, type LoadTarget } from './send-chat-request.js';

/** W6 at one request body size. */
export interface BodySizeResult {
  sizeInBytes: number;
  subjects: LatencyResult[];
}

/**
 * W6: W1's method with request bodies of each size (the user message padded with prose; the same
 * body every time, as an agent resends its history), so the added latency shows what reading,
 * parsing, counting and forwarding a larger body costs.
 */
export async function runBodySizeWorkload(options: {
  targets: readonly LoadTarget[];
  sizesInBytes: readonly number[];
  rounds: number;
  warmupPerSubject: number;
  measuredPerSubject: number;
}): Promise<BodySizeResult[]> {
  const results: BodySizeResult[] = [];
  for (const sizeInBytes of options.sizesInBytes) {
    const body = chatBody({ sizeInBytes });
    const rounds: OneAtATimeRound[][] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      rounds.push(await measureOneAtATime({ targets: options.targets, warmupPerSubject: options.warmupPerSubject, measuredPerSubject: options.measuredPerSubject, body }));
    }
    results.push({ sizeInBytes, subjects: foldLatencyRounds(rounds) });
  }
  return results;
}
