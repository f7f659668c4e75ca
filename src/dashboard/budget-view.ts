import type { BudgetConfig, LadderStageConfig } from '../core/budget-config-schema.js';
import { activeStage } from '../core/budget-ladder.js';
import { budgetLineKey, endOfTimeInMs, type WindowCache } from '../core/budget-window.js';
import type { KeyBudget } from '../core/control-records.js';
import type { NanoUsd } from '../core/money.js';
import type { ScopeKey } from '../core/scope.js';
import type { BudgetState } from '../core/store.js';
import type { KnownScopeKind, LedgerDigest } from './ledger-digest.js';
import type { BudgetLineView, BudgetsView } from './panel-state.js';

/** A budget line the panel watches: where its counter lives in the store and the limits configured on it. */
export interface WatchedLine {
  key: string;
  scope: ScopeKey;
  window: string;
  windowEndInMs: number;
  source: string;
  mode: 'enforce' | 'shadow';
  hardInNanoUsd?: NanoUsd;
  softInNanoUsd?: NanoUsd;
  callLimit?: number;
  ladder: readonly LadderStageConfig[];
}

const maxLinesWatched = 200;
const burnWindowInMinutes = 15;
const minuteInMs = 60_000;

/**
 * Every budget line in its current window: the config's budgets (a wildcard like `team:*` once per
 * team seen on calls) and the virtual keys' own limits. Per-request and per-task budgets are left to
 * the Fleet view.
 */
export function watchedBudgetLines(options: {
  budgets: readonly BudgetConfig[];
  keys: ReadonlyArray<{ id: string; name?: string; budgets: readonly KeyBudget[]; revokedAtInMs?: number }>;
  knownScopes: LedgerDigest['knownScopes'];
  org: string;
  windows: WindowCache;
  nowInMs: number;
}): WatchedLine[] {
  const byKey = new Map<string, WatchedLine>();
  const add = (entry: Omit<WatchedLine, 'key' | 'windowEndInMs'> & { window: 'hour' | 'day' | 'week' | 'month' | 'total' }): void => {
    const bounds = entry.window === 'total' ? { window: 'total' as const, label: 'all', endInMs: endOfTimeInMs } : options.windows.boundsAt(entry.window, options.nowInMs);
    const key = budgetLineKey(entry.scope, bounds);
    const mapKey = entry.mode === 'shadow' ? `${key}|shadow|${entry.source}` : key;
    const existing = byKey.get(mapKey);
    if (existing === undefined) {
      if (byKey.size < maxLinesWatched) byKey.set(mapKey, { ...entry, key, windowEndInMs: bounds.endInMs });
      return;
    }
    byKey.set(mapKey, {
      ...existing,
      source: existing.source.split(', ').includes(entry.source) ? existing.source : `${existing.source}, ${entry.source}`,
      ...tighter('hardInNanoUsd', existing.hardInNanoUsd, entry.hardInNanoUsd),
      ...tighter('softInNanoUsd', existing.softInNanoUsd, entry.softInNanoUsd),
      ...tighter('callLimit', existing.callLimit, entry.callLimit),
      ladder: [...existing.ladder, ...entry.ladder],
    });
  };
  for (const budget of options.budgets) {
    if (budget.window === 'request' || budget.window === 'task') continue;
    for (const scope of scopesFor(budget.scope, options.knownScopes, options.org)) {
      add({
        scope,
        window: budget.window,
        source: budget.scope,
        mode: budget.mode === 'shadow' ? 'shadow' : 'enforce',
        ...(budget.hard === undefined ? {} : { hardInNanoUsd: budget.hard }),
        ...(budget.soft === undefined ? {} : { softInNanoUsd: budget.soft }),
        ...(budget.calls === undefined ? {} : { callLimit: budget.calls }),
        ladder: budget.ladder,
      });
    }
  }
  for (const key of options.keys) {
    if (key.revokedAtInMs !== undefined) continue;
    for (const budget of key.budgets) {
      add({
        scope: `key:${key.id}`,
        window: budget.window,
        source: `key:${key.id}`,
        mode: budget.mode === 'shadow' ? 'shadow' : 'enforce',
        ...(budget.hardInNanoUsd === undefined ? {} : { hardInNanoUsd: budget.hardInNanoUsd }),
        ...(budget.softInNanoUsd === undefined ? {} : { softInNanoUsd: budget.softInNanoUsd }),
        ...(budget.calls === undefined ? {} : { callLimit: budget.calls }),
        ladder: [],
      });
    }
  }
  return [...byKey.values()];
}

/** The Budgets view: each watched line's spend from the store, its ladder stage and when it runs out at the current burn. */
export function buildBudgetsView(options: { watched: readonly WatchedLine[]; states: readonly BudgetState[]; digest: LedgerDigest; nowInMs: number }): BudgetsView {
  const { digest, nowInMs } = options;
  const states = new Map(options.states.map((state) => [state.key, state]));
  const day = digest.day(nowInMs);
  const burnPerHour = burnRates(digest, nowInMs);
  const lines: BudgetLineView[] = options.watched.map((watched) => {
    const state = states.get(watched.key);
    const spent = state?.committedInNanoUsd ?? 0;
    const reserved = state?.reservedInNanoUsd ?? 0;
    const base = watched.hardInNanoUsd ?? watched.softInNanoUsd;
    const stage = base === undefined || watched.ladder.length === 0 ? undefined : activeStage({ ladder: watched.ladder, limitInNanoUsd: base, spentInNanoUsd: spent + reserved });
    const burn = burnPerHour.get(watched.scope) ?? 0;
    const limit = watched.hardInNanoUsd;
    // From the current minute, so the figure holds still between polls when nothing changes.
    const exhaustedAtInMs = limit === undefined || burn === 0 ? undefined : Math.floor(nowInMs / minuteInMs) * minuteInMs + Math.max(0, Math.round(((limit - spent - reserved) / burn) * 3_600_000));
    return {
      key: watched.key,
      scope: watched.scope,
      window: watched.window,
      windowEndInMs: watched.windowEndInMs,
      source: watched.source,
      mode: watched.mode,
      ...(watched.hardInNanoUsd === undefined ? {} : { hardInNanoUsd: watched.hardInNanoUsd }),
      ...(watched.softInNanoUsd === undefined ? {} : { softInNanoUsd: watched.softInNanoUsd }),
      ...(watched.callLimit === undefined ? {} : { callLimit: watched.callLimit }),
      spentInNanoUsd: spent,
      reservedInNanoUsd: reserved,
      calls: state?.calls ?? 0,
      ...(stage === undefined ? {} : { stage: { atPercent: stage.atPercent, actions: [...stage.actions] } }),
      burnPerHourInNanoUsd: burn,
      ...(exhaustedAtInMs === undefined ? {} : { exhaustedAtInMs }),
      shadowDecisions: watched.mode === 'shadow' ? (day.shadowByLine.get(watched.key) ?? 0) : 0,
    };
  });
  const shadow = [...day.shadow]
    .map(([entry, count]) => ({ scope: entry.slice(0, entry.lastIndexOf('|')), kind: entry.slice(entry.lastIndexOf('|') + 1), count }))
    .sort((left, right) => right.count - left.count || left.scope.localeCompare(right.scope));
  return { lines, shadow };
}

/** Spend per hour on each scope over the last 15 minutes of the ledger. */
export function burnRates(digest: Pick<LedgerDigest, 'minuteSpend'>, nowInMs: number): Map<string, NanoUsd> {
  const currentMinute = Math.floor(nowInMs / minuteInMs);
  const totals = new Map<string, NanoUsd>();
  for (const [minute, spend] of digest.minuteSpend(nowInMs)) {
    if (minute <= currentMinute - burnWindowInMinutes) continue;
    for (const [series, amount] of spend) totals.set(series, (totals.get(series) ?? 0) + amount);
  }
  for (const [series, amount] of totals) totals.set(series, Math.round((amount * 60) / burnWindowInMinutes));
  return totals;
}

function scopesFor(selector: string, knownScopes: LedgerDigest['knownScopes'], org: string): ScopeKey[] {
  const separator = selector.indexOf(':');
  const kind = selector.slice(0, separator);
  const name = selector.slice(separator + 1);
  if (kind === 'task') return [];
  if (kind === 'org') return name === '*' || name === org ? [`org:${org}`] : [];
  if (kind === 'tag') {
    const equals = name.indexOf('=');
    const tagName = equals === -1 ? name : name.slice(0, equals);
    const tagValue = equals === -1 ? '*' : name.slice(equals + 1);
    if (tagValue !== '*') return [`tag:${tagName}=${tagValue}`];
    return [...(knownScopes.get('tag') ?? [])].filter((tag) => tag.startsWith(`${tagName}=`)).map((tag) => `tag:${tag}` as ScopeKey);
  }
  if (name !== '*') return [`${kind}:${name}` as ScopeKey];
  return [...(knownScopes.get(kind as KnownScopeKind) ?? [])].map((known) => `${kind}:${known}` as ScopeKey);
}

function tighter<K extends string>(name: K, left: number | undefined, right: number | undefined): Partial<Record<K, number>> {
  if (left === undefined && right === undefined) return {};
  return { [name]: Math.min(left ?? Infinity, right ?? Infinity) } as Partial<Record<K, number>>;
}
