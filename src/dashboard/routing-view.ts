import type { LedgerDigest } from './ledger-digest.js';
import type { RoutingView } from './panel-state.js';

/** The Routing and reliability view: today's calls by outcome and tier, cache, refusals, upstream errors and the latency split. */
export function buildRoutingView(options: { digest: LedgerDigest; nowInMs: number; circuits: ReadonlyArray<{ upstream: string; state: string }> }): RoutingView {
  const day = options.digest.day(options.nowInMs);
  const ranked = <K extends string>(map: ReadonlyMap<string, number>, name: K): Array<Record<K, string> & { count: number }> =>
    [...map].map(([key, count]) => ({ [name]: key, count }) as Record<K, string> & { count: number }).sort((left, right) => right.count - left.count || String(left[name]).localeCompare(String(right[name])));
  const failed = day.refused + day.upstreamErrors + day.disconnected;
  return {
    calls: day.calls,
    ok: day.ok,
    cached: day.cached,
    refused: day.refused,
    upstreamErrors: day.upstreamErrors,
    disconnected: day.disconnected,
    ...(day.calls === 0 ? {} : { successRate: Math.max(0, day.calls - failed) / day.calls, budgetCapHitRate: day.budgetCapHits / day.calls }),
    ...(day.cacheLookups === 0 ? {} : { cacheHitRate: day.cacheHits / day.cacheLookups }),
    cacheSavedInNanoUsd: day.cacheSavedInNanoUsd,
    downgrades: day.downgrades,
    fallbacks: day.fallbacks,
    retries: day.retries,
    tiers: ranked(day.tierCalls, 'tier').map(({ tier, count }) => ({ tier, calls: count })),
    downgradePairs: ranked(day.downgradePairs, 'pair'),
    refusals: ranked(day.refusals, 'code'),
    upstreamErrorCodes: ranked(day.upstreamErrorCodes, 'code'),
    latency: options.digest.latency.summary(),
    circuits: [...options.circuits],
  };
}
