import { mergeErrors } from './fold-latency-rounds.js';
import { measureStreams, type StreamsRun } from './measure-streams.js';
import { chatBody, type LoadTarget } from './send-chat-request.js';
import { spreadOf, type Spread } from './spread.js';
import { roundTo2, summarizeLatency } from './summarize-latency.js';

/** W4 for one subject: time to first token (ms) and gaps between text chunks (µs), medians of rounds. */
export interface StreamingResult {
  subject: string;
  streams: number;
  timeToFirstTokenP50InMs: Spread;
  timeToFirstTokenP99InMs: Spread;
  gapMeanInUs: Spread;
  gapP99InUs: Spread;
  /** Each measure minus direct's in the same round. */
  added?: { timeToFirstTokenP50InMs: Spread; timeToFirstTokenP99InMs: Spread; gapMeanInUs: Spread; gapP99InUs: Spread };
  /** Gaps longer than the stall threshold, over all rounds: counted, never averaged. */
  stalls: number;
  stallThresholdInMs: number;
  textChunksPerStream: number;
  errors: number;
  errorSamples: string[];
}

type Measure = 'timeToFirstTokenP50InMs' | 'timeToFirstTokenP99InMs' | 'gapMeanInUs' | 'gapP99InUs';

function measuresOf(run: StreamsRun): Record<Measure, number> {
  const firstToken = summarizeLatency(run.timeToFirstTokenInNs);
  const gaps = summarizeLatency(run.gapsInNs);
  return {
    timeToFirstTokenP50InMs: firstToken.p50InUs / 1_000,
    timeToFirstTokenP99InMs: firstToken.p99InUs / 1_000,
    gapMeanInUs: gaps.meanInUs,
    gapP99InUs: gaps.p99InUs,
  };
}

/**
 * W4: paced SSE streams (`stream: true`, `stream_options: { include_usage: true }`) through every
 * subject, `concurrency` at a time, subjects interleaved round by round. A stall is a gap between
 * text chunks longer than `stallThresholdInMs` (5 × the mock's pacing).
 */
export async function runStreamingWorkload(options: {
  targets: readonly LoadTarget[];
  streams: number;
  warmupStreams: number;
  concurrency: number;
  rounds: number;
  stallThresholdInMs: number;
  /** How long one stream lasts at the mock's pacing; the workers' starts are spread over it. */
  streamDurationInMs: number;
}): Promise<StreamingResult[]> {
  const body = chatBody({ stream: true });
  const runs = new Map<string, StreamsRun[]>(options.targets.map((target) => [target.name, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    for (const target of options.targets) {
      const staggerInMs = options.streamDurationInMs / options.concurrency;
      runs.get(target.name)?.push(await measureStreams({ target, body, streams: options.streams, warmupStreams: options.warmupStreams, concurrency: options.concurrency, stallThresholdInMs: options.stallThresholdInMs, staggerInMs }));
    }
  }
  const direct = runs.get('direct')?.map(measuresOf);
  const measureNames: Measure[] = ['timeToFirstTokenP50InMs', 'timeToFirstTokenP99InMs', 'gapMeanInUs', 'gapP99InUs'];
  return options.targets.map((target) => {
    const subjectRuns = runs.get(target.name) ?? [];
    const measures = subjectRuns.map(measuresOf);
    const spreadFor = (name: Measure): Spread => spreadOf(measures.map((measure) => roundTo2(measure[name])));
    const addedFor = (name: Measure): Spread => spreadOf(measures.map((measure, index) => roundTo2(measure[name] - (direct?.[index]?.[name] ?? Number.NaN))));
    const completed = subjectRuns.reduce((sum, run) => sum + run.completed, 0);
    return {
      subject: target.name,
      streams: options.streams,
      timeToFirstTokenP50InMs: spreadFor('timeToFirstTokenP50InMs'),
      timeToFirstTokenP99InMs: spreadFor('timeToFirstTokenP99InMs'),
      gapMeanInUs: spreadFor('gapMeanInUs'),
      gapP99InUs: spreadFor('gapP99InUs'),
      ...(direct === undefined || target.name === 'direct'
        ? {}
        : { added: Object.fromEntries(measureNames.map((name) => [name, addedFor(name)])) as Record<Measure, Spread> }),
      stalls: subjectRuns.reduce((sum, run) => sum + run.stalls, 0),
      stallThresholdInMs: options.stallThresholdInMs,
      textChunksPerStream: completed === 0 ? 0 : roundTo2(subjectRuns.reduce((sum, run) => sum + run.chunks, 0) / completed),
      ...mergeErrors(subjectRuns.map((run) => run.errors)),
    };
  });
}
