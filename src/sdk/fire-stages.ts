import { markKey, stagesCrossed } from '../core/budget-ladder.js';
import type { LadderStageConfig } from '../core/budget-config-schema.js';
import type { NanoUsd } from '../core/money.js';
import type { LineTotals } from '../core/store.js';
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
