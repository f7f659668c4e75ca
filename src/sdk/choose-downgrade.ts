import type { CallScopes } from '../core/call-scopes.js';
import type { ResolvedBudgets } from '../core/resolve-budget-lines.js';
import type { ScopeKey } from '../core/scope.js';
import type { BudgetState } from '../core/store.js';
import { activeActions } from '../core/budget-ladder.js';
import type { WardenRuntime } from './warden-runtime.js';

export interface Downgrade {
  toModel: string;
  scope: ScopeKey;
  reason: 'soft-limit' | 'ladder';
}

/**
 * The cheaper model to use when a budget on the call is past its soft limit or a ladder stage
 * with `downgrade`. The task type's downgrade map wins over the global one; no map entry, no switch.
 */
export function chooseDowngrade(options: {
  runtime: WardenRuntime;
  scopes: CallScopes;
  budgets: ResolvedBudgets;
  states: BudgetState[];
  requestedModel: string;
}): Downgrade | undefined {
  const { budgets, states } = options;
  const target = downgradeTarget(options);
  if (target === undefined) return undefined;

  for (const rule of budgets.rules) {
    const state = states.find((candidate) => candidate.key === rule.line.key);
    if (!state) continue;
    const spent = state.committedInNanoUsd + state.reservedInNanoUsd;
    if (rule.softInNanoUsd !== undefined && spent >= rule.softInNanoUsd) {
      return { toModel: target, scope: rule.line.scope, reason: 'soft-limit' };
    }
    const base = rule.hardInNanoUsd ?? rule.softInNanoUsd;
    if (base === undefined) continue;
    if (activeActions({ ladder: rule.ladder, limitInNanoUsd: base, spentInNanoUsd: spent }).includes('downgrade')) {
      return { toModel: target, scope: rule.line.scope, reason: 'ladder' };
    }
  }
  return undefined;
}

/**
 * Whether budget state could switch this call to a cheaper model: it has a downgrade target and
 * a line with a soft limit or a ladder stage that downgrades. Otherwise state need not be read
 * before the reserve.
 */
export function mayDowngrade(options: { runtime: WardenRuntime; scopes: CallScopes; budgets: ResolvedBudgets; requestedModel: string }): boolean {
  if (downgradeTarget(options) === undefined) return false;
  return options.budgets.rules.some((rule) => rule.softInNanoUsd !== undefined || rule.ladder.some((stage) => stage.actions.includes('downgrade')));
}

function downgradeTarget(options: { runtime: WardenRuntime; scopes: CallScopes; requestedModel: string }): string | undefined {
  const { runtime, scopes, requestedModel } = options;
  const taskType = scopes.tasks.at(-1)?.type;
  const target = (taskType === undefined ? undefined : runtime.config.taskTypes[taskType]?.downgrades[requestedModel]) ?? runtime.config.downgrades[requestedModel];
  return target === requestedModel ? undefined : target;
}
