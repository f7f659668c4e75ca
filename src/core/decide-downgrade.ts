import { activeActions } from './budget-ladder.js';
import type { CallScopes } from './call-scopes.js';
import type { WardenConfig } from './config-schema.js';
import type { NanoUsd } from './money.js';
import type { LineRule } from './resolve-budget-lines.js';
import type { ScopeKey } from './scope.js';

/** A switch to a cheaper model, and the budget that asked for it. */
export interface DowngradeDecision {
  toModel: string;
  scope: ScopeKey;
  reason: 'soft-limit' | 'ladder';
}

/** The cheaper model configured for `requestedModel` (the task type's map first, then the global one), if any. */
export function downgradeTarget(options: { config: Pick<WardenConfig, 'taskTypes' | 'downgrades'>; scopes: CallScopes; requestedModel: string }): string | undefined {
  const { config, scopes, requestedModel } = options;
  const taskType = scopes.tasks.at(-1)?.type;
  const target = (taskType === undefined ? undefined : config.taskTypes[taskType]?.downgrades[requestedModel]) ?? config.downgrades[requestedModel];
  return target === requestedModel ? undefined : target;
}

/**
 * The cheaper model to use when a budget line on the call is past its soft limit or a ladder
 * stage with `downgrade`, given what each line has spent (undefined: not known, skipped).
 * No downgrade target configured, no switch.
 */
export function decideDowngrade(options: {
  config: Pick<WardenConfig, 'taskTypes' | 'downgrades'>;
  scopes: CallScopes;
  rules: readonly LineRule[];
  spentOf: (lineKey: string) => NanoUsd | undefined;
  requestedModel: string;
}): DowngradeDecision | undefined {
  const target = downgradeTarget(options);
  if (target === undefined) return undefined;
  for (const rule of options.rules) {
    const spent = options.spentOf(rule.line.key);
    if (spent === undefined) continue;
    if (rule.softInNanoUsd !== undefined && spent >= rule.softInNanoUsd) return { toModel: target, scope: rule.line.scope, reason: 'soft-limit' };
    const base = rule.hardInNanoUsd ?? rule.softInNanoUsd;
    if (base === undefined) continue;
    if (activeActions({ ladder: rule.ladder, limitInNanoUsd: base, spentInNanoUsd: spent }).includes('downgrade')) return { toModel: target, scope: rule.line.scope, reason: 'ladder' };
  }
  return undefined;
}
