import type { NanoUsd } from '../core/money.js';
import type { ReplayRefusal } from './replay-budgets.js';

/** What one group of calls (all, one team, one task type) cost live and would cost under the candidate. */
export interface ReplayFigures {
  calls: number;
  liveSpendInNanoUsd: NanoUsd;
  candidateSpendInNanoUsd: NanoUsd;
  /** live − candidate: positive is a saving. */
  savingInNanoUsd: NanoUsd;
  refused: number;
  /** Switched to a cheaper model by a soft limit or a downgrade stage. */
  downgraded: number;
  /** Sent to another model than live by routing (or no longer downgraded as live was). */
  rerouted: number;
  /** Served from the candidate's exact-match cache. */
  cached: number;
}

/** Refused calls on one budget counter (a scope in one window instance). */
export interface ReplayRefusalGroup extends ReplayRefusal {
  calls: number;
  /** What those calls cost live: the spend the refusals would have prevented. */
  liveSpendInNanoUsd: NanoUsd;
}

/** Calls moved from one model to another, and why. */
export interface ReplayModelChange {
  fromModel: string;
  toModel: string;
  reason: 'routing' | 'soft-limit' | 'ladder';
  calls: number;
  liveSpendInNanoUsd: NanoUsd;
  candidateSpendInNanoUsd: NanoUsd;
}

/** Counts of what replay could not see or had to keep as recorded. */
export interface ReplayNotes {
  /** Calls the live deployment refused: not replayed. */
  liveRefusals: number;
  /** Calls answered by the live cache (cost 0 live; replayed as upstream calls unless the candidate caches them too). */
  liveCached: number;
  /** Calls without a request fingerprint (recorded before fingerprints were added): they can never be cache hits. */
  withoutFingerprint: number;
  /** `auto` calls kept on their live model: the candidate's routing rules test headers, keywords or regex. */
  routingNotEvaluable: number;
  /** Calls the candidate's routing could not place (unknown tier, no default tier): kept on their live model. */
  unroutable: number;
  /** Calls that fell back after an upstream failure: kept on their fallback model. */
  fallbacksKept: number;
  /** Calls moved to another model without recorded usage: they keep their recorded cost. */
  movedWithoutUsage: number;
}

/** What `warden replay` reports: the candidate policy against the recorded calls. */
export interface ReplayReport {
  sinceInMs?: number;
  untilInMs?: number;
  totals: ReplayFigures & { cacheSavingInNanoUsd: NanoUsd };
  byTeam: Array<ReplayFigures & { team: string }>;
  byTaskType: Array<ReplayFigures & { taskType: string }>;
  refusals: ReplayRefusalGroup[];
  modelChanges: ReplayModelChange[];
  notes: ReplayNotes;
  assumptions: string[];
}

/** A group's figures before any call is added. */
export function emptyFigures(): ReplayFigures {
  return { calls: 0, liveSpendInNanoUsd: 0, candidateSpendInNanoUsd: 0, savingInNanoUsd: 0, refused: 0, downgraded: 0, rerouted: 0, cached: 0 };
}

/** What replay does to one call, for adding it to its groups. */
export interface ReplayOutcome {
  liveCostInNanoUsd: NanoUsd;
  candidateCostInNanoUsd: NanoUsd;
  decision: 'served' | 'refused' | 'cached';
  modelChange?: 'routing' | 'soft-limit' | 'ladder';
}

/** Adds one replayed call to a group's figures. */
export function addOutcome(figures: ReplayFigures, outcome: ReplayOutcome): void {
  figures.calls += 1;
  figures.liveSpendInNanoUsd += outcome.liveCostInNanoUsd;
  figures.candidateSpendInNanoUsd += outcome.candidateCostInNanoUsd;
  figures.savingInNanoUsd = figures.liveSpendInNanoUsd - figures.candidateSpendInNanoUsd;
  if (outcome.decision === 'refused') figures.refused += 1;
  if (outcome.decision === 'cached') figures.cached += 1;
  if (outcome.modelChange === 'routing') figures.rerouted += 1;
  else if (outcome.modelChange !== undefined) figures.downgraded += 1;
}
