/**
 * The nearest-rank percentile of values sorted ascending: the value at rank ⌈p/100 × n⌉ (1-based),
 * always one of the values, easy to check by hand. Undefined for no values.
 * @example nearestRank([10, 20, 30, 40], 50) // 20
 */
export function nearestRank(sortedValues: readonly number[], percent: number): number | undefined {
  if (sortedValues.length === 0) return undefined;
  // percent × n first: for whole percents it is exact, so the ceiling never lands one rank off.
  const rank = Math.max(1, Math.ceil((percent * sortedValues.length) / 100));
  return sortedValues[Math.min(rank, sortedValues.length) - 1];
}
