import { activeActions } from '../core/budget-ladder.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import { nanoToUsdText, type NanoUsd } from '../core/money.js';
import type { LineRule, ResolvedBudgets, ShadowLimits } from '../core/resolve-budget-lines.js';
import type { CallScopes } from '../core/call-scopes.js';
import type { BudgetState } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';
import { downgradeTarget } from './choose-downgrade.js';
import { recordShadow, type ShadowEvent } from './record-shadow.js';
import type { WardenRuntime } from './warden-runtime.js';

/** Whether any budget on the call is in shadow mode. */
export function hasShadowBudgets(budgets: ResolvedBudgets): boolean {
  return budgets.shadowPerRequest !== undefined || budgets.rules.some((rule) => rule.shadow !== undefined);
}

/**
 * The state of every line a shadow budget sits on, read before the call reserves (so it excludes
 * the call itself). Undefined when the store cannot say: shadow mode never costs a call its answer.
 */
export async function snapshotShadowLines(runtime: WardenRuntime, budgets: ResolvedBudgets): Promise<BudgetState[] | undefined> {
  const lines = budgets.rules.filter((rule) => rule.shadow !== undefined).map((rule) => rule.line);
  if (lines.length === 0) return [];
  try {
    return await runtime.store.snapshot(lines);
  } catch (error) {
    if (!(error instanceof WardenError) || error.code !== 'store_unavailable') throw error;
    runtime.hooks.onError?.(error);
    return undefined;
  }
}

/** The model a shadow soft limit would have switched the call to, when enforcement could switch it at all. */
export function shadowDowngradeTarget(options: {
  runtime: WardenRuntime;
  scopes: CallScopes;
  requestedModel: string;
  allowDowngrade: boolean | ((toModel: string) => boolean) | undefined;
}): { downgradeTo?: string } {
  const { allowDowngrade } = options;
  const target = allowDowngrade === false ? undefined : downgradeTarget(options);
  if (target === undefined || (typeof allowDowngrade === 'function' && !allowDowngrade(target))) return {};
  return { downgradeTo: target };
}

export interface JudgeShadowBudgetsOptions {
  runtime: WardenRuntime;
  requestId: string;
  budgets: ResolvedBudgets;
  /** The shadow lines' state before this call reserved. */
  states: readonly BudgetState[];
  /** What the call reserved: enforcement judges a call by this upper bound. */
  amountInNanoUsd: NanoUsd;
  /** The max_tokens a clamp to this amount would leave, or undefined when enforcement would refuse instead. */
  clampTo: (affordableInNanoUsd: NanoUsd) => number | undefined;
  /** The cheaper model a soft limit would switch to; absent when none is configured or the call was downgraded already. */
  downgradeTo?: string;
  /** Ledger fields of the call (models, attribution). */
  fields: Partial<LedgerEvent>;
}

/**
 * Judges every shadow budget on a call that was let through, the way enforcement would have:
 * a line's committed + reserved + this call's amount over its limit is a would-refuse (or
 * would-clamp when max_tokens could have been lowered to fit), a call over its call limit a
 * would-refuse, spend past a soft limit or a downgrade stage a would-downgrade. Each is one
 * `shadow-decide` event per shadow budget; nothing about the call changes.
 */
export function judgeShadowBudgets(options: JudgeShadowBudgetsOptions): void {
  const { runtime, requestId, budgets, amountInNanoUsd, fields } = options;
  const events: ShadowEvent[] = [];
  for (const limit of budgets.shadowPerRequest ?? []) {
    if (amountInNanoUsd <= limit.hardInNanoUsd) continue;
    const maxTokens = limit.clamp ? options.clampTo(limit.hardInNanoUsd) : undefined;
    events.push({
      requestId,
      kind: maxTokens === undefined ? 'refuse' : 'clamp',
      policy: 'budget',
      scope: limit.source,
      reason: `this call may cost up to $${nanoToUsdText(amountInNanoUsd)}, over the per-request limit of $${nanoToUsdText(limit.hardInNanoUsd)}`,
      details: { window: 'request', limitInNanoUsd: limit.hardInNanoUsd, amountInNanoUsd, ...(maxTokens === undefined ? { errorCode: 'budget_exceeded' } : { maxTokens }) },
    });
  }
  for (const rule of budgets.rules) {
    if (rule.shadow === undefined) continue;
    const state = options.states.find((candidate) => candidate.key === rule.line.key);
    for (const shadow of rule.shadow) {
      const event = judgeLine({ ...options, rule, shadow, state });
      if (event !== undefined) events.push({ requestId, ...event });
    }
  }
  for (const event of events) recordShadow(runtime, event, fields);
}

function judgeLine(options: JudgeShadowBudgetsOptions & { rule: LineRule; shadow: ShadowLimits; state: BudgetState | undefined }): Omit<ShadowEvent, 'requestId'> | undefined {
  const { rule, shadow, state, amountInNanoUsd } = options;
  const committed = state?.committedInNanoUsd ?? 0;
  const reserved = state?.reservedInNanoUsd ?? 0;
  const spent = committed + reserved;
  const calls = state?.calls ?? 0;
  const base = { policy: 'budget' as const, scope: shadow.source };
  const figures = { lineKey: rule.line.key, budgetScope: rule.line.scope, window: rule.line.window, committedInNanoUsd: committed, reservedInNanoUsd: reserved, amountInNanoUsd };
  if (shadow.callLimit !== undefined && calls + 1 > shadow.callLimit) {
    return {
      ...base,
      kind: 'refuse',
      reason: `${rule.line.scope} has made ${calls} of its ${shadow.callLimit} calls in this window`,
      details: { ...figures, errorCode: 'call_limit_exceeded', calls, callLimit: shadow.callLimit },
    };
  }
  const limit = shadow.limitInNanoUsd;
  if (limit !== undefined && spent + amountInNanoUsd > limit) {
    const left = Math.max(0, limit - spent);
    const maxTokens = shadow.clamp ? options.clampTo(left) : undefined;
    return {
      ...base,
      kind: maxTokens === undefined ? 'refuse' : 'clamp',
      reason: `${rule.line.scope} has $${nanoToUsdText(left)} left of $${nanoToUsdText(limit)}; this call may cost up to $${nanoToUsdText(amountInNanoUsd)}`,
      details: { ...figures, limitInNanoUsd: limit, ...(maxTokens === undefined ? { errorCode: 'budget_exceeded' } : { maxTokens }) },
    };
  }
  if (options.downgradeTo === undefined) return undefined;
  const soft = shadow.softInNanoUsd !== undefined && spent >= shadow.softInNanoUsd;
  const ladderBase = shadow.hardInNanoUsd ?? shadow.softInNanoUsd;
  const staged = !soft && ladderBase !== undefined && activeActions({ ladder: shadow.ladder, limitInNanoUsd: ladderBase, spentInNanoUsd: spent }).includes('downgrade');
  if (!soft && !staged) return undefined;
  return {
    ...base,
    kind: 'downgrade',
    reason: `${rule.line.scope} has spent $${nanoToUsdText(spent)}, past its ${soft ? 'soft limit' : 'downgrade stage'}: the call would have gone to ${options.downgradeTo}`,
    details: { ...figures, toModel: options.downgradeTo, trigger: soft ? 'soft-limit' : 'ladder', ...(soft ? { softInNanoUsd: shadow.softInNanoUsd } : {}) },
  };
}
