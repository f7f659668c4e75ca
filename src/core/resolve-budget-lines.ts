import type { BudgetConfig, LadderStageConfig, LimitsConfig } from './budget-config-schema.js';
import { stageThresholdInNanoUsd } from './budget-ladder.js';
import { budgetLineKey, endOfTimeInMs, windowBounds, type CalendarWindowKind, type WindowCache } from './budget-window.js';
import type { CallScopes } from './call-scopes.js';
import type { WardenConfig } from './config-schema.js';
import type { NanoUsd } from './money.js';
import { scopeKey, type ScopeKey } from './scope.js';
import type { BudgetLine, WindowKind } from './store.js';

/** A budget line together with the limits the store does not enforce itself. */
export interface LineRule {
  line: BudgetLine;
  hardInNanoUsd?: NanoUsd;
  softInNanoUsd?: NanoUsd;
  clamp: boolean;
  ladder: readonly LadderStageConfig[];
  /** Shadow budgets on this line: judged against its real spend, never enforced (the line carries none of their limits). */
  shadow?: ShadowLimits[];
}

/** One shadow budget's limits on a line, as enforcement would have applied them. */
export interface ShadowLimits {
  /** Where it is configured: the budget's scope selector (`team:*`, `key:key_1`) or `taskType:<name>`. */
  source: string;
  /** The cap a reserve would have been held to: hard, or a ladder stop below it. */
  limitInNanoUsd?: NanoUsd;
  callLimit?: number;
  hardInNanoUsd?: NanoUsd;
  softInNanoUsd?: NanoUsd;
  clamp: boolean;
  ladder: readonly LadderStageConfig[];
}

/** A shadow budget with a request window: a per-call cap that is only judged. */
export interface ShadowRequestLimit {
  source: string;
  hardInNanoUsd: NanoUsd;
  clamp: boolean;
}

export interface ResolvedBudgets {
  rules: LineRule[];
  /** The tightest per-request hard limit, if any budget has a request window. */
  perRequestHardInNanoUsd?: NanoUsd;
  /** Shadow budgets with a request window. */
  shadowPerRequest?: ShadowRequestLimit[];
  /** False when any matching budget forbids clamping max_tokens. */
  clamp: boolean;
}

/**
 * Every budget line a call is charged to, from config budgets, task types and task limits,
 * in the windows current at `timeInMs` in the configured time zone.
 */
export function resolveBudgetLines(options: {
  config: Readonly<WardenConfig>;
  scopes: CallScopes;
  timeInMs: number;
  windows?: WindowCache;
  /** Budgets from outside the config, such as the limits a virtual key was created with. */
  extraBudgets?: readonly BudgetConfig[];
}): ResolvedBudgets {
  const { config, scopes, timeInMs } = options;
  const boundsAt = (window: CalendarWindowKind): { startInMs: number; endInMs: number; label: string } =>
    options.windows ? options.windows.boundsAt(window, timeInMs) : windowBounds({ window, timeInMs, timeZone: config.timeZone });
  const rules: LineRule[] = [];
  const shadowPerRequest: ShadowRequestLimit[] = [];
  let perRequestHardInNanoUsd: NanoUsd | undefined;
  let clamp = true;

  const add = (scope: ScopeKey, window: WindowKind, limits: Partial<LimitsConfig>, source: string): void => {
    if (limits.mode === 'shadow') {
      addShadow({ scope, window, limits, source });
      return;
    }
    if (limits.clamp === false) clamp = false;
    if (window === 'request') {
      if (limits.hard !== undefined) perRequestHardInNanoUsd = Math.min(perRequestHardInNanoUsd ?? Infinity, limits.hard);
      return;
    }
    rules.push(ruleFor({ scope, window, limits, boundsAt }));
  };

  // A shadow budget still counts its spend: its line is reserved and committed like any other,
  // with none of its limits, so what it would have refused is judged against what was really spent.
  const addShadow = (shadow: { scope: ScopeKey; window: WindowKind; limits: Partial<LimitsConfig>; source: string }): void => {
    const { scope, window, limits, source } = shadow;
    if (window === 'request') {
      if (limits.hard !== undefined) shadowPerRequest.push({ source, hardInNanoUsd: limits.hard, clamp: limits.clamp ?? true });
      return;
    }
    const counter = ruleFor({ scope, window, limits: {}, boundsAt });
    const judged = ruleFor({ scope, window, limits, boundsAt });
    const { limitInNanoUsd, callLimit } = judged.line;
    counter.shadow = [
      {
        source,
        ...(limitInNanoUsd === undefined ? {} : { limitInNanoUsd }),
        ...(callLimit === undefined ? {} : { callLimit }),
        ...(judged.hardInNanoUsd === undefined ? {} : { hardInNanoUsd: judged.hardInNanoUsd }),
        ...(judged.softInNanoUsd === undefined ? {} : { softInNanoUsd: judged.softInNanoUsd }),
        clamp: judged.clamp,
        ladder: judged.ladder,
      },
    ];
    rules.push(counter);
  };

  for (const budget of options.extraBudgets ? [...config.budgets, ...options.extraBudgets] : config.budgets) {
    for (const scope of matchingScopes(budget.scope, scopes)) add(scope, budget.window, budget, budget.scope);
  }
  for (const task of scopes.tasks) {
    const taskType = task.type === undefined ? undefined : config.taskTypes[task.type];
    // A shadow budget (the task type's, or the task's own) is judged on its own; the rest stays enforced.
    const shadowBudget = taskType?.budget?.mode === 'shadow' ? taskType.budget : undefined;
    const ownShadow = task.limits?.mode === 'shadow' ? task.limits : undefined;
    const typeLimits = taskType === undefined ? undefined : { ...(shadowBudget ? {} : taskType.budget), ...(taskType.maxLlmCalls === undefined ? {} : { calls: taskType.maxLlmCalls }) };
    // Every task gets a counter, limited or not, so a task's spend (children included) is known.
    add(scopeKey('task', task.id), 'task', { ...typeLimits, ...(ownShadow ? {} : task.limits) }, `task:${task.id}`);
    if (shadowBudget) add(scopeKey('task', task.id), 'task', shadowBudget, `taskType:${task.type ?? ''}`);
    // Labelled without the task's id: metric labels stay bounded; the row names the task.
    if (ownShadow) add(scopeKey('task', task.id), 'task', ownShadow, 'task-budget');
  }
  return {
    rules: mergeSameLines(rules),
    clamp,
    ...(perRequestHardInNanoUsd === undefined ? {} : { perRequestHardInNanoUsd }),
    ...(shadowPerRequest.length === 0 ? {} : { shadowPerRequest }),
  };
}

function ruleFor(options: {
  scope: ScopeKey;
  window: Exclude<WindowKind, 'request'>;
  limits: Partial<LimitsConfig>;
  boundsAt: (window: CalendarWindowKind) => { startInMs: number; endInMs: number; label: string };
}): LineRule {
  const { scope, window, limits } = options;
  const lifetime = window === 'task' || window === 'total';
  const bounds = lifetime ? { startInMs: 0, endInMs: endOfTimeInMs, label: 'all' } : options.boundsAt(window);
  const hard = limits.hard;
  const ladder = limits.ladder ?? [];
  const stopAt = stopThreshold(ladder, hard ?? limits.soft);
  const storeLimit = hard === undefined ? stopAt : stopAt === undefined ? hard : Math.min(hard, stopAt);
  const line: BudgetLine = {
    key: budgetLineKey(scope, { window: lifetime ? 'total' : window, label: bounds.label }),
    scope,
    window: lifetime ? 'total' : window,
    windowStartInMs: bounds.startInMs,
    windowEndInMs: bounds.endInMs,
    ...(storeLimit === undefined ? {} : { limitInNanoUsd: storeLimit }),
    ...(limits.calls === undefined ? {} : { callLimit: limits.calls }),
    ...(limits.onStoreDown === undefined ? {} : { onStoreDown: limits.onStoreDown }),
  };
  return {
    line,
    ...(hard === undefined ? {} : { hardInNanoUsd: hard }),
    ...(limits.soft === undefined ? {} : { softInNanoUsd: limits.soft }),
    clamp: limits.clamp ?? true,
    ladder,
  };
}

function stopThreshold(ladder: readonly LadderStageConfig[], base: NanoUsd | undefined): NanoUsd | undefined {
  if (base === undefined) return undefined;
  const stops = ladder.filter((stage) => stage.actions.includes('stop')).map((stage) => stage.atPercent);
  if (stops.length === 0) return undefined;
  return stageThresholdInNanoUsd(base, Math.min(...stops));
}

function matchingScopes(selector: string, scopes: CallScopes): ScopeKey[] {
  const separator = selector.indexOf(':');
  const kind = selector.slice(0, separator);
  const name = selector.slice(separator + 1);
  const matches = (value: string | undefined): boolean => value !== undefined && (name === '*' || name === value);
  switch (kind) {
    case 'org':
      return matches(scopes.org) ? [scopeKey('org', scopes.org)] : [];
    case 'team':
      return matches(scopes.team) ? [scopeKey('team', scopes.team as string)] : [];
    case 'key':
      return matches(scopes.key) ? [scopeKey('key', scopes.key as string)] : [];
    case 'user':
      return matches(scopes.user) ? [scopeKey('user', scopes.user as string)] : [];
    case 'model':
      return matches(scopes.model) ? [scopeKey('model', scopes.model)] : [];
    case 'provider':
      return matches(scopes.provider) ? [scopeKey('provider', scopes.provider)] : [];
    case 'task':
      return scopes.tasks.filter((task) => matches(task.id)).map((task) => scopeKey('task', task.id));
    case 'tag':
      return matchingTags(name, scopes.tags);
    default:
      return [];
  }
}

function matchingTags(name: string, tags: Readonly<Record<string, string>>): ScopeKey[] {
  const equals = name.indexOf('=');
  const tagName = equals === -1 ? name : name.slice(0, equals);
  const tagValue = equals === -1 ? '*' : name.slice(equals + 1);
  const actual = tags[tagName];
  if (actual === undefined || (tagValue !== '*' && tagValue !== actual)) return [];
  return [scopeKey('tag', `${tagName}=${actual}`)];
}

/** Two budgets on the same counter (say a day budget and a task-type default) keep the tighter limits. */
function mergeSameLines(rules: LineRule[]): LineRule[] {
  const byKey = new Map<string, LineRule>();
  for (const rule of rules) {
    const existing = byKey.get(rule.line.key);
    if (!existing) {
      byKey.set(rule.line.key, rule);
      continue;
    }
    const shadow = [...(existing.shadow ?? []), ...(rule.shadow ?? [])];
    byKey.set(rule.line.key, {
      line: {
        // A shadow budget's counter carries no settings: an enforced budget's (onStoreDown) survive it.
        ...rule.line,
        ...existing.line,
        ...minField('limitInNanoUsd', existing.line.limitInNanoUsd, rule.line.limitInNanoUsd),
        ...minField('callLimit', existing.line.callLimit, rule.line.callLimit),
      },
      ...minField('hardInNanoUsd', existing.hardInNanoUsd, rule.hardInNanoUsd),
      ...minField('softInNanoUsd', existing.softInNanoUsd, rule.softInNanoUsd),
      clamp: existing.clamp && rule.clamp,
      ladder: [...existing.ladder, ...rule.ladder],
      ...(shadow.length === 0 ? {} : { shadow }),
    });
  }
  return [...byKey.values()];
}

function minField<K extends string>(name: K, left: number | undefined, right: number | undefined): Partial<Record<K, number>> {
  if (left === undefined && right === undefined) return {};
  return { [name]: Math.min(left ?? Infinity, right ?? Infinity) } as Partial<Record<K, number>>;
}
