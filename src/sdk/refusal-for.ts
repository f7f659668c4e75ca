import type { MaxTokensDecision } from '../core/choose-max-tokens.js';
import { formatUsd, type NanoUsd } from '../core/money.js';
import type { LineRule } from '../core/resolve-budget-lines.js';
import type { BudgetState } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';

/** The error for a call the budgets cannot cover, naming the budget, what is left and what to change. */
export function refusalFor(options: {
  reason: 'money' | 'calls';
  limitingRule?: LineRule;
  state?: BudgetState;
  decision: MaxTokensDecision;
  model: string;
  maxCostInNanoUsd?: NanoUsd;
}): WardenError {
  const { reason, limitingRule, state, decision, model } = options;
  const scope = limitingRule?.line.scope ?? state?.scope;
  const window = limitingRule?.line.window ?? state?.window;
  const where = scope ? `Budget "${scope}"${window && window !== 'total' ? ` (${window})` : ''}` : 'The per-request limit';

  if (reason === 'calls') {
    const callLimit = limitingRule?.line.callLimit ?? state?.callLimit;
    return new WardenError(
      'call_limit_exceeded',
      `${where} allows ${callLimit ?? 'no more'} calls and has used them. Wait for the next window, raise its "calls" limit, or end the task.`,
      { details: { scope, window, callLimit, calls: state?.calls } },
    );
  }

  const limit = limitingRule?.line.limitInNanoUsd ?? state?.limitInNanoUsd ?? options.maxCostInNanoUsd;
  const used = (state?.committedInNanoUsd ?? 0) + (state?.reservedInNanoUsd ?? 0);
  const remainingInNanoUsd = limit === undefined ? 0 : Math.max(0, limit - used);
  const needed = decision.ok ? decision.estimateInNanoUsd : decision.minimumInNanoUsd;
  return new WardenError(
    'budget_exceeded',
    `${where} has ${formatUsd(remainingInNanoUsd)} left; this ${model} call may cost up to ${formatUsd(needed)}. ` +
      `Lower max_tokens, shorten the prompt, use a cheaper model, or raise the budget.`,
    {
      details: {
        scope,
        window,
        limitInNanoUsd: limit,
        remainingInNanoUsd,
        estimateInNanoUsd: decision.estimateInNanoUsd,
        minimumInNanoUsd: decision.ok ? decision.estimateInNanoUsd : decision.minimumInNanoUsd,
      },
    },
  );
}
