import type { MockBehavior } from '../src/providers/simulated/index.js';

/** How much of each workload a run measures. */
export interface SuiteSettings {
  mode: 'quick' | 'full';
  oneAtATime: { rounds: number; warmupPerSubject: number; measuredPerSubject: number };
  sweep: { connectionCounts: number[]; rounds: number; warmupInMs: number; durationInMs: number };
  inFlight: { requests: number; rounds: number };
  streaming: { streams: number; warmupStreams: number; concurrency: number; rounds: number };
  contention: { requests: number; affordableCalls: number; rounds: number; mockLatencyInMs: number };
  bodySizes: { sizesInBytes: number[]; rounds: number; warmupPerSubject: number; measuredPerSubject: number };
}

export type MockProfile = Pick<MockBehavior, 'latencyInMs' | 'chunkIntervalInMs' | 'outputTokens' | 'tokensPerChunk'>;

/**
 * The mock's standing behaviour in each phase. Each profile sets every field it varies, so
 * switching the running mock from one to another (`setBehavior`) leaves nothing of the last.
 */
export const mockProfiles = {
  /** A 640-byte answer at once. */
  instant: { latencyInMs: 0, chunkIntervalInMs: 0, outputTokens: 16, tokensPerChunk: 1 },
  latency20Ms: { latencyInMs: 20, chunkIntervalInMs: 0, outputTokens: 16, tokensPerChunk: 1 },
  latency1S: { latencyInMs: 1_000, chunkIntervalInMs: 0, outputTokens: 16, tokensPerChunk: 1 },
  /** About 50 text chunks, one token each, 10 ms apart. */
  paced: { latencyInMs: 0, chunkIntervalInMs: 10, outputTokens: 50, tokensPerChunk: 1 },
} as const satisfies Record<string, MockProfile>;

/** A stall is a gap between text chunks longer than this many times the mock's pacing. */
export const stallFactor = 5;

const bodySizesInBytes = [200, 10_000, 100_000, 1_000_000];

/** `npm run bench`: every subject and workload at reduced counts (W2 at 1, 50 and 256 connections), about 3 minutes. */
export const quickSettings: SuiteSettings = {
  mode: 'quick',
  oneAtATime: { rounds: 2, warmupPerSubject: 100, measuredPerSubject: 500 },
  sweep: { connectionCounts: [1, 50, 256], rounds: 2, warmupInMs: 300, durationInMs: 1_000 },
  inFlight: { requests: 1_000, rounds: 1 },
  streaming: { streams: 20, warmupStreams: 5, concurrency: 10, rounds: 2 },
  contention: { requests: 200, affordableCalls: 37, rounds: 1, mockLatencyInMs: 20 },
  bodySizes: { sizesInBytes: bodySizesInBytes, rounds: 2, warmupPerSubject: 10, measuredPerSubject: 60 },
};

/** `npm run bench:full`: the full sweep and counts (about 20 minutes). */
export const fullSettings: SuiteSettings = {
  mode: 'full',
  oneAtATime: { rounds: 3, warmupPerSubject: 300, measuredPerSubject: 1_000 },
  sweep: { connectionCounts: [1, 8, 32, 50, 128, 256], rounds: 3, warmupInMs: 1_000, durationInMs: 4_000 },
  inFlight: { requests: 1_000, rounds: 3 },
  streaming: { streams: 100, warmupStreams: 10, concurrency: 10, rounds: 3 },
  contention: { requests: 1_000, affordableCalls: 137, rounds: 3, mockLatencyInMs: 20 },
  bodySizes: { sizesInBytes: bodySizesInBytes, rounds: 3, warmupPerSubject: 30, measuredPerSubject: 300 },
};
