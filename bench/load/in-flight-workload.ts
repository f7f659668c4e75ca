import { mergeErrors } from './fold-latency-rounds.js';
import { measureInFlight, type InFlightRun } from './measure-in-flight.js';
import type { LoadTarget } from './send-chat-request.js';
import { spreadOf, type Spread } from './spread.js';
import { roundTo2 } from './summarize-latency.js';

/** W3 for one subject, over rounds. */
export interface InFlightResult {
  subject: string;
  requests: number;
  successPercent: Spread;
  p99InMs: Spread;
  /** Subject p99 minus direct's p99 in the same round. */
  addedP99InMs?: Spread;
  peakMemoryInMb?: Spread;
  memorySource?: string;
  errors: number;
  errorSamples: string[];
}

/** W3: `requests` in flight at once against a slow mock, subjects interleaved round by round. */
export async function runInFlightWorkload(options: { targets: readonly LoadTarget[]; requests: number; rounds: number }): Promise<InFlightResult[]> {
  const runs = new Map<string, InFlightRun[]>(options.targets.map((target) => [target.name, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    for (const target of options.targets) runs.get(target.name)?.push(await measureInFlight({ target, requests: options.requests }));
  }
  const direct = runs.get('direct');
  const inMs = (valueInUs: number): number => roundTo2(valueInUs / 1_000);
  return options.targets.map((target) => {
    const subjectRuns = runs.get(target.name) ?? [];
    const memory = subjectRuns.flatMap((run) => (run.peakMemoryInBytes === undefined ? [] : [roundTo2(run.peakMemoryInBytes / 1_048_576)]));
    return {
      subject: target.name,
      requests: options.requests,
      successPercent: spreadOf(subjectRuns.map((run) => (100 * run.succeeded) / run.sent)),
      p99InMs: spreadOf(subjectRuns.map((run) => inMs(run.latency.p99InUs))),
      ...(direct === undefined || target.name === 'direct'
        ? {}
        : { addedP99InMs: spreadOf(subjectRuns.map((run, index) => inMs(run.latency.p99InUs - (direct[index]?.latency.p99InUs ?? Number.NaN)))) }),
      ...(memory.length === 0 ? {} : { peakMemoryInMb: spreadOf(memory), memorySource: subjectRuns[0]?.memorySource }),
      ...mergeErrors(subjectRuns.map((run) => run.errors)),
    };
  });
}
