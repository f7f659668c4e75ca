/**
 * The nearest-rank percentile of ascending values: the smallest value with at least p% of the
 * values at or below it. 0 for no values.
 * @example percentile([1, 2, 3, 4], 50) // 2
 */
export function percentile(sortedValues: readonly number[], percent: number): number {
  if (sortedValues.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((percent / 100) * sortedValues.length));
  return sortedValues[Math.min(rank, sortedValues.length) - 1] as number;
}

/** A histogram: counts[i] holds the values in [edges[i], edges[i + 1]); edges has one more entry than counts. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/**
 * Buckets positive values (task costs in nano-USD) on the edges 1, 2, 5 × 10^k that span them, so
 * tasks from a fraction of a cent to dollars share one readable axis.
 * @example logHistogram([3, 30, 40]) // { edges: [2, 5, 10, 20, 50], counts: [1, 0, 0, 2] }
 */
export function logHistogram(values: readonly number[]): Histogram {
  const positive = values.filter((value) => value > 0);
  if (positive.length === 0) return { edges: [], counts: [] };
  const low = Math.min(...positive);
  const high = Math.max(...positive);
  const next = (edge: number): number => {
    const magnitude = 10 ** Math.floor(Math.log10(edge) + 1e-9);
    const step = Math.round(edge / magnitude);
    return step === 1 ? 2 * magnitude : step === 2 ? 5 * magnitude : 10 * magnitude;
  };
  const magnitude = 10 ** Math.floor(Math.log10(low) + 1e-9);
  let edge = low >= 5 * magnitude ? 5 * magnitude : low >= 2 * magnitude ? 2 * magnitude : magnitude;
  const edges = [edge];
  while (edge <= high) {
    edge = next(edge);
    edges.push(edge);
  }
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const value of positive) {
    let index = 0;
    while ((edges[index + 1] as number) <= value) index += 1;
    counts[index] = (counts[index] as number) + 1;
  }
  return { edges, counts };
}
