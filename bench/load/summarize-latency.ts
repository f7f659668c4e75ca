/** Latency percentiles of one subject, in µs. */
export interface LatencySummary {
  samples: number;
  p50InUs: number;
  p90InUs: number;
  p99InUs: number;
  maxInUs: number;
  meanInUs: number;
}

/** Nearest-rank percentiles of latency samples given in ns. */
export function summarizeLatency(samplesInNs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesInNs).sort();
  const at = (fraction: number): number => (sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN) / 1_000;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    samples: sorted.length,
    p50InUs: roundTo2(at(0.5)),
    p90InUs: roundTo2(at(0.9)),
    p99InUs: roundTo2(at(0.99)),
    maxInUs: roundTo2((sorted[sorted.length - 1] ?? Number.NaN) / 1_000),
    meanInUs: roundTo2(total / sorted.length / 1_000),
  };
}

export function roundTo2(value: number): number {
  return Math.round(value * 100) / 100;
}
