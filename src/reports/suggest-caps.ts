import type { CapSuggestion, HeavyTailFlag, ReportGroup } from './cost-report.js';
import { noGroupKey, type ReportDimension } from './report-dimension.js';

/**
 * Rounds up to two significant digits, so a suggested cap reads like one a person would set and
 * is never below the figure it came from: 52,440,000 → 53,000,000 ($0.05244 → $0.053).
 */
export function roundUpToTwoSignificantDigits(value: number): number {
  const whole = Math.ceil(value);
  if (whole <= 0) return 0;
  const step = 10 ** Math.max(0, String(whole).length - 2);
  return Math.ceil(whole / step) * step;
}

/** A per-task cap for every group with tasks that cost something: p99 × 1.2, rounded up to two significant digits. */
export function suggestCaps(groups: readonly ReportGroup[], dimension: ReportDimension): CapSuggestion[] {
  return groups.flatMap((group): CapSuggestion[] => {
    const p99InNanoUsd = group.costPerTask?.p99InNanoUsd ?? 0;
    if (p99InNanoUsd <= 0) return [];
    return [
      {
        group: group.key,
        tasks: group.tasks,
        p99InNanoUsd,
        // × 6 / 5 in whole numbers: 1.2 has no exact binary form.
        capInNanoUsd: roundUpToTwoSignificantDigits((p99InNanoUsd * 6) / 5),
        ...(dimension.kind === 'task-type' && group.key !== noGroupKey ? { configPath: `taskTypes.${group.key}.budget.hard` } : {}),
      },
    ];
  });
}

/** Groups whose p95 cost per task is more than 3 × their mean (the mean as reported, to the nano-USD). */
export function flagHeavyTails(groups: readonly ReportGroup[]): HeavyTailFlag[] {
  return groups.flatMap((group): HeavyTailFlag[] => {
    const cost = group.costPerTask;
    if (cost === null || cost.meanInNanoUsd <= 0 || cost.p95InNanoUsd <= 3 * cost.meanInNanoUsd) return [];
    return [{ group: group.key, kind: 'heavy-tail', meanInNanoUsd: cost.meanInNanoUsd, p95InNanoUsd: cost.p95InNanoUsd, ratio: cost.p95InNanoUsd / cost.meanInNanoUsd }];
  });
}
