import type { CallScopes } from '../core/call-scopes.js';
import { decideDowngrade, downgradeTarget as configuredTarget, type DowngradeDecision } from '../core/decide-downgrade.js';
import type { ResolvedBudgets } from '../core/resolve-budget-lines.js';
import type { BudgetState } from '../core/store.js';
import type { WardenRuntime } from './warden-runtime.js';

export type Downgrade = DowngradeDecision;

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
  const { runtime, scopes, budgets, states, requestedModel } = options;
  return decideDowngrade({
    config: runtime.config,
    scopes,
    rules: budgets.rules,
    spentOf: (lineKey) => {
      const state = states.find((candidate) => candidate.key === lineKey);
      return state === undefined ? undefined : state.committedInNanoUsd + state.reservedInNanoUsd;
    },
    requestedModel,
  });
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

/** The cheaper model configured for `requestedModel` (the task type's map first, then the global one), if any. */
export function downgradeTarget(options: { runtime: WardenRuntime; scopes: CallScopes; requestedModel: string }): string | undefined {
  return configuredTarget({ config: options.runtime.config, scopes: options.scopes, requestedModel: options.requestedModel });
}
