import { markKey, stagesCrossed } from '../core/budget-ladder.js';
import type { LadderStageConfig } from '../core/budget-config-schema.js';
import type { NanoUsd } from '../core/money.js';
import type { LineRule } from '../core/resolve-budget-lines.js';
import type { BudgetState, LineTotals } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';
import type { PreparedCall } from './prepare-call.js';
import type { WardenRuntime } from './warden-runtime.js';

const softStage: LadderStageConfig = { atPercent: 100, actions: ['notify'] };

/**
 * After a commit, fires every ladder stage (and soft limit) the spend just crossed, from the
 * line totals the commit itself returned (so before/after are exact under concurrency). The
 * store's one-time marks make each stage fire once per window, whichever process crosses it.
 */
export async function fireStages(options: { runtime: WardenRuntime; prepared: PreparedCall; costInNanoUsd: NanoUsd; lines: readonly LineTotals[] }): Promise<void> {
  const { runtime, prepared, costInNanoUsd, lines } = options;
  if (costInNanoUsd === 0 || lines.length === 0) return;
  for (const rule of prepared.rules) {
    if (rule.ladder.length === 0 && rule.softInNanoUsd === undefined) continue;
    const state = lines.find((candidate) => candidate.key === rule.line.key);
    if (!state) continue;
    const after = state.committedInNanoUsd;
    const before = after - costInNanoUsd;
    const base = rule.hardInNanoUsd ?? rule.softInNanoUsd;
    const crossings = base === undefined ? [] : stagesCrossed({ ladder: rule.ladder, limitInNanoUsd: base, beforeInNanoUsd: before, afterInNanoUsd: after });
    if (rule.softInNanoUsd !== undefined) {
      crossings.push(...stagesCrossed({ ladder: [softStage], limitInNanoUsd: rule.softInNanoUsd, beforeInNanoUsd: before, afterInNanoUsd: after }).map((crossing) => ({ ...crossing, soft: true })));
    }
    for (const crossing of crossings) {
      const soft = 'soft' in crossing;
      const mark = soft ? `${rule.line.key}|soft` : markKey(rule.line.key, crossing.stage);
      if (!(await claimOrSkip(runtime, mark, rule.line.windowEndInMs))) continue;
      const limitInNanoUsd = soft ? (rule.softInNanoUsd as NanoUsd) : (base as NanoUsd);
      const stage = { atPercent: crossing.stage.atPercent, actions: [...crossing.stage.actions] };
      runtime.record({
        type: 'budget-cross',
        timeInMs: runtime.clock.now(),
        requestId: prepared.requestId,
        data: { lineKey: rule.line.key, scope: rule.line.scope, window: rule.line.window, atPercent: stage.atPercent, actions: stage.actions, soft, limitInNanoUsd, spentInNanoUsd: after },
      });
      runtime.hooks.onStage?.({ lineKey: rule.line.key, scope: rule.line.scope, stage, limitInNanoUsd, spentInNanoUsd: after });
    }
  }
}

/** The call is already settled: a store that went away just now costs this alert, not the answer. */
async function claimOrSkip(runtime: WardenRuntime, mark: string, expiresAtInMs: number): Promise<boolean> {
  try {
    return await runtime.store.claimMark(mark, expiresAtInMs);
  } catch (error) {
    if (error instanceof WardenError && error.code === 'store_unavailable') return false;
    throw error;
  }
}

// Marks this process already saw claimed, so a storm of refusals costs one store round trip.
const claimedStops = new WeakMap<WardenRuntime, Set<string>>();

/**
 * A call refused for money by a line whose ladder stops: the stop stage is in force, so it is
 * announced now (once per window), even if committed spend never lands exactly on it, as it
 * rarely does when calls are clamped to what is left.
 */
export async function fireStopStage(options: { runtime: WardenRuntime; requestId: string; rule: LineRule | undefined; state: BudgetState | undefined }): Promise<void> {
  const { runtime, rule } = options;
  if (rule === undefined) return;
  const stops = rule.ladder.filter((stage) => stage.actions.includes('stop'));
  const base = rule.hardInNanoUsd ?? rule.softInNanoUsd;
  if (stops.length === 0 || base === undefined) return;
  const stage = stops.reduce((lowest, candidate) => (candidate.atPercent < lowest.atPercent ? candidate : lowest));
  const mark = markKey(rule.line.key, stage);
  let seen = claimedStops.get(runtime);
  if (seen === undefined) {
    seen = new Set();
    claimedStops.set(runtime, seen);
  }
  if (seen.has(mark)) return;
  const claimed = await claimOrSkip(runtime, mark, rule.line.windowEndInMs);
  seen.add(mark);
  if (!claimed) return;
  const spentInNanoUsd = options.state?.committedInNanoUsd ?? 0;
  const event = { atPercent: stage.atPercent, actions: [...stage.actions] };
  runtime.record({
    type: 'budget-cross',
    timeInMs: runtime.clock.now(),
    requestId: options.requestId,
    data: { lineKey: rule.line.key, scope: rule.line.scope, window: rule.line.window, atPercent: stage.atPercent, actions: event.actions, soft: false, limitInNanoUsd: base, spentInNanoUsd, byRefusal: true },
  });
  runtime.hooks.onStage?.({ lineKey: rule.line.key, scope: rule.line.scope, stage: event, limitInNanoUsd: base, spentInNanoUsd });
}
