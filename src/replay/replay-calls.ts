import { createWindowCache } from '../core/budget-window.js';
import type { CallScopes, TaskRef } from '../core/call-scopes.js';
import { computeCost } from '../core/compute-cost.js';
import type { WardenConfig } from '../core/config-schema.js';
import { decideDowngrade } from '../core/decide-downgrade.js';
import type { NanoUsd } from '../core/money.js';
import type { PriceCatalogue } from '../core/price-catalogue.js';
import { resolveBudgetLines, type ResolvedBudgets } from '../core/resolve-budget-lines.js';
import { replayAssumptions } from './replay-assumptions.js';
import { ReplayBudgets, type ReplayRefusal } from './replay-budgets.js';
import type { ReplayCall } from './replay-call.js';
import { addOutcome, emptyFigures, type ReplayFigures, type ReplayModelChange, type ReplayNotes, type ReplayOutcome, type ReplayRefusalGroup, type ReplayReport } from './replay-report.js';
import { replayRoute } from './replay-routing.js';

/** A replay in progress: feed it the recorded calls in order, then read the report. */
export interface Replay {
  add(call: ReplayCall): void;
  /** Counts a call the live deployment refused (it is not replayed). */
  addLiveRefusal(): void;
  report(range?: { sinceInMs?: number; untilInMs?: number }): ReplayReport;
}

const noTeam = '(no team)';
const noTaskType = '(no task type)';

/**
 * Replays recorded calls under a candidate policy: its routing and tiers, its exact-match cache,
 * its budgets (caps per scope and window, soft-limit downgrades), priced through `catalogue`.
 * Pure: no I/O, time comes from the calls.
 * @example const replay = createReplay({ config: candidate, catalogue }); calls.forEach(replay.add); replay.report()
 */
export function createReplay(options: { config: Readonly<WardenConfig>; catalogue: PriceCatalogue }): Replay {
  const config = withShadowBudgetsEnforced(options.config);
  const { catalogue } = options;
  const windows = createWindowCache({ timeZone: config.timeZone });
  const budgets = new ReplayBudgets();
  const answeredUntil = new Map<string, number>();
  const totals = { ...emptyFigures(), cacheSavingInNanoUsd: 0 };
  const byTeam = new Map<string, ReplayFigures>();
  const byTaskType = new Map<string, ReplayFigures>();
  const refusals = new Map<string, ReplayRefusalGroup>();
  const modelChanges = new Map<string, ReplayModelChange>();
  const notes: ReplayNotes = { liveRefusals: 0, liveCached: 0, withoutFingerprint: 0, routingNotEvaluable: 0, unroutable: 0, fallbacksKept: 0, movedWithoutUsage: 0 };

  const costAt = (call: ReplayCall, model: string): NanoUsd => {
    if (model === call.model) return call.upstreamCostInNanoUsd;
    if (call.usage === undefined) {
      if (call.upstreamCostInNanoUsd > 0) notes.movedWithoutUsage += 1;
      return call.upstreamCostInNanoUsd;
    }
    return computeCost(call.usage, catalogue.resolve(model));
  };
  const resolve = (scopes: CallScopes, timeInMs: number): ResolvedBudgets => resolveBudgetLines({ config, scopes, timeInMs, windows });

  const replayOne = (call: ReplayCall): ReplayOutcome => {
    const live = { liveCostInNanoUsd: call.liveCostInNanoUsd };
    if (call.requestFingerprint === undefined) notes.withoutFingerprint += 1;
    if (call.liveCached) notes.liveCached += 1;
    const route = replayRoute(config, call);
    if (route.kept === 'fallback') notes.fallbacksKept += 1;
    if (route.kept === 'not-evaluable') notes.routingNotEvaluable += 1;
    if (route.kept === 'unroutable') notes.unroutable += 1;

    // The gateway answers from the cache before any budget is consulted, per team (else per key).
    const cacheKey = config.cache.enabled && call.requestFingerprint !== undefined ? `${call.team === undefined ? `key:${call.keyId ?? ''}` : `team:${call.team}`}\u0000${call.requestFingerprint}` : undefined;
    if (cacheKey !== undefined && (answeredUntil.get(cacheKey) ?? -Infinity) > call.timeInMs) {
      totals.cacheSavingInNanoUsd += costAt(call, route.model);
      return { ...live, candidateCostInNanoUsd: 0, decision: 'cached' };
    }

    let model = route.model;
    let scopes = scopesOf(call, model, catalogue, config.org);
    let resolved = resolve(scopes, call.timeInMs);
    const downgrade = decideDowngrade({ config, scopes, rules: resolved.rules, spentOf: (lineKey) => budgets.spentOf(lineKey), requestedModel: model });
    if (downgrade !== undefined) {
      model = downgrade.toModel;
      scopes = scopesOf(call, model, catalogue, config.org);
      resolved = resolve(scopes, call.timeInMs);
    }
    const cost = costAt(call, model);
    const refusal = budgets.refusal(resolved, cost);
    if (refusal !== undefined) {
      addRefusal(refusals, refusal, call.liveCostInNanoUsd);
      return { ...live, candidateCostInNanoUsd: 0, decision: 'refused' };
    }
    budgets.commit(resolved, cost);
    if (cacheKey !== undefined && (call.status === 'ok' || call.status === 'cached')) answeredUntil.set(cacheKey, call.timeInMs + config.cache.ttlInSeconds * 1000);
    if (model === call.model) return { ...live, candidateCostInNanoUsd: cost, decision: 'served' };
    const modelChange = downgrade === undefined ? 'routing' : downgrade.reason;
    addModelChange(modelChanges, { fromModel: call.model, toModel: model, reason: modelChange, liveCostInNanoUsd: call.liveCostInNanoUsd, candidateCostInNanoUsd: cost });
    return { ...live, candidateCostInNanoUsd: cost, decision: 'served', modelChange };
  };

  return {
    add(call) {
      const outcome = replayOne(call);
      addOutcome(totals, outcome);
      addOutcome(groupOf(byTeam, call.team ?? noTeam), outcome);
      addOutcome(groupOf(byTaskType, call.taskType ?? noTaskType), outcome);
    },
    addLiveRefusal() {
      notes.liveRefusals += 1;
    },
    report(range = {}) {
      const bySpend = <T extends ReplayFigures>(left: T & { name: string }, right: T & { name: string }): number => right.liveSpendInNanoUsd - left.liveSpendInNanoUsd || (left.name < right.name ? -1 : 1);
      return {
        ...(range.sinceInMs === undefined ? {} : { sinceInMs: range.sinceInMs }),
        ...(range.untilInMs === undefined ? {} : { untilInMs: range.untilInMs }),
        totals: { ...totals },
        byTeam: [...byTeam].map(([name, figures]) => ({ name, ...figures })).sort(bySpend).map(({ name, ...figures }) => ({ team: name, ...figures })),
        byTaskType: [...byTaskType].map(([name, figures]) => ({ name, ...figures })).sort(bySpend).map(({ name, ...figures }) => ({ taskType: name, ...figures })),
        refusals: [...refusals.values()].sort((left, right) => (left.scope === right.scope ? (left.windowLabel < right.windowLabel ? -1 : 1) : left.scope < right.scope ? -1 : 1)),
        modelChanges: [...modelChanges.values()].sort((left, right) => right.calls - left.calls),
        notes: { ...notes },
        assumptions: replayAssumptions(notes, { calls: totals.calls, cacheEnabled: config.cache.enabled, timeZone: config.timeZone }),
      };
    },
  };
}

/** Replays a list of calls (already in recorded order) in one go. */
export function replayCalls(options: { config: Readonly<WardenConfig>; catalogue: PriceCatalogue; calls: Iterable<ReplayCall>; liveRefusals?: number; range?: { sinceInMs?: number; untilInMs?: number } }): ReplayReport {
  const replay = createReplay(options);
  for (const call of options.calls) replay.add(call);
  for (let index = 0; index < (options.liveRefusals ?? 0); index += 1) replay.addLiveRefusal();
  return replay.report(options.range);
}

/** Replay judges the candidate as if it were in force: its shadow budgets count as enforced. */
function withShadowBudgetsEnforced(config: Readonly<WardenConfig>): Readonly<WardenConfig> {
  const shadowTypes = Object.values(config.taskTypes).some((taskType) => taskType.budget?.mode === 'shadow');
  if (!shadowTypes && !config.budgets.some((budget) => budget.mode === 'shadow')) return config;
  return {
    ...config,
    budgets: config.budgets.map((budget) => ({ ...budget, mode: 'enforce' as const })),
    taskTypes: Object.fromEntries(
      Object.entries(config.taskTypes).map(([name, taskType]) => [name, taskType.budget === undefined ? taskType : { ...taskType, budget: { ...taskType.budget, mode: 'enforce' as const } }]),
    ),
  };
}

function scopesOf(call: ReplayCall, model: string, catalogue: PriceCatalogue, defaultOrg: string): CallScopes {
  const tasks: TaskRef[] = [];
  if (call.parentTaskId !== undefined) tasks.push({ id: call.parentTaskId, startedAtInMs: call.timeInMs });
  if (call.taskId !== undefined) tasks.push({ id: call.taskId, ...(call.taskType === undefined ? {} : { type: call.taskType }), startedAtInMs: call.timeInMs });
  return {
    org: call.org ?? defaultOrg,
    ...(call.team === undefined ? {} : { team: call.team }),
    ...(call.keyId === undefined ? {} : { key: call.keyId }),
    tasks,
    ...(call.user === undefined ? {} : { user: call.user }),
    tags: call.tags,
    model,
    provider: model === call.model ? (call.provider ?? '') : (catalogue.find(model)?.provider ?? ''),
  };
}

function groupOf(groups: Map<string, ReplayFigures>, name: string): ReplayFigures {
  let figures = groups.get(name);
  if (figures === undefined) {
    figures = emptyFigures();
    groups.set(name, figures);
  }
  return figures;
}

function addRefusal(groups: Map<string, ReplayRefusalGroup>, refusal: ReplayRefusal, liveCostInNanoUsd: NanoUsd): void {
  const key = `${refusal.scope}|${refusal.window}|${refusal.windowLabel}|${refusal.code}`;
  const group = groups.get(key);
  if (group === undefined) groups.set(key, { ...refusal, calls: 1, liveSpendInNanoUsd: liveCostInNanoUsd });
  else {
    group.calls += 1;
    group.liveSpendInNanoUsd += liveCostInNanoUsd;
  }
}

function addModelChange(groups: Map<string, ReplayModelChange>, change: Omit<ReplayModelChange, 'calls' | 'liveSpendInNanoUsd' | 'candidateSpendInNanoUsd'> & { liveCostInNanoUsd: NanoUsd; candidateCostInNanoUsd: NanoUsd }): void {
  const key = `${change.fromModel}\u0000${change.toModel}\u0000${change.reason}`;
  const group = groups.get(key) ?? { fromModel: change.fromModel, toModel: change.toModel, reason: change.reason, calls: 0, liveSpendInNanoUsd: 0, candidateSpendInNanoUsd: 0 };
  group.calls += 1;
  group.liveSpendInNanoUsd += change.liveCostInNanoUsd;
  group.candidateSpendInNanoUsd += change.candidateCostInNanoUsd;
  groups.set(key, group);
}
