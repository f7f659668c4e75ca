import type { NanoUsd } from '../core/money.js';
import type { LineRule } from '../core/resolve-budget-lines.js';
import type { LineTotals, Store } from '../core/store.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { nanoUsdPerUsd } from '../core/money.js';

/**
 * What the tightest money budget of a call has left, or undefined when none of its budgets has a
 * money limit: from the totals its commit returned (`lines`), else read from the store now. Also
 * refreshes the remaining-budget gauges.
 */
export async function budgetRemaining(options: { store: Store; rules: readonly LineRule[]; lines?: readonly LineTotals[]; metrics?: GatewayMetrics }): Promise<NanoUsd | undefined> {
  const limited = options.rules.filter((rule) => rule.line.limitInNanoUsd !== undefined);
  if (limited.length === 0) return undefined;
  const states: readonly LineTotals[] = options.lines !== undefined && options.lines.length > 0 ? options.lines : await options.store.snapshot(limited.map((rule) => rule.line));
  let tightest: NanoUsd | undefined;
  for (const rule of limited) {
    const state = states.find((candidate) => candidate.key === rule.line.key);
    const limit = rule.line.limitInNanoUsd ?? 0;
    const left = Math.max(0, limit - (state?.committedInNanoUsd ?? 0) - (state?.reservedInNanoUsd ?? 0));
    options.metrics?.budgetRemaining.set({ scope: rule.line.scope, window: rule.line.window }, left / nanoUsdPerUsd);
    if (tightest === undefined || left < tightest) tightest = left;
  }
  return tightest;
}
