import type { ReplayNotes } from './replay-report.js';

/** What replay assumes, in words for the report, with this run's counts where they matter. */
export function replayAssumptions(notes: ReplayNotes, options: { calls: number; cacheEnabled: boolean; timeZone: string }): string[] {
  return [
    'Calls are replayed one at a time in recorded order (ledger sequence), each judged against what it really cost, not the upper-bound estimate live enforcement reserves; so replay refuses no more often than enforcement would.',
    `A refused call is not charged, and its later retries are not invented. Calls the live deployment refused (${notes.liveRefusals} in this period) are not replayed: what they would have cost is unknown.`,
    "A downgraded or rerouted call keeps its token counts, priced at the new model's prices (the price catalogue, with the candidate's prices.overrides); one without recorded usage keeps its recorded cost.",
    'Clamping max_tokens is not modelled: a call that does not fit a budget counts as refused.',
    `Routing replays tier names, the x-warden-tier header and task-type and token-count rules; rules on headers, keywords or regex need the request, which the ledger does not hold, so "auto" calls keep their live model when the candidate has such rules (${notes.routingNotEvaluable} calls). Calls that fell back after an upstream failure keep their fallback model (${notes.fallbacksKept}).`,
    options.cacheEnabled
      ? `Cache: a call is served from the exact-match cache when an identical request (same fingerprint, same team, else same key) was answered within cache.ttlInSeconds before it. Only calls recorded with a request fingerprint can be hits (${notes.withoutFingerprint} of ${options.calls} have none); per-key cache opt-ins are not seen, cache.enabled decides.`
      : `Cache: the candidate's cache is off, so calls the live cache answered (${notes.liveCached}) are replayed as upstream calls at their recorded usage.`,
    `Budgets: the candidate's budgets and task types apply (shadow ones as if enforced), in windows of its time zone (${options.timeZone}). Virtual keys' own budgets are not seen (write them as key:<id> budgets), nor are a sub-task's grandparents or its parent's task type.`,
  ];
}
