import type { NanoUsd } from '../core/money.js';
import type { LineRule, ResolvedBudgets } from '../core/resolve-budget-lines.js';
import type { ScopeKey } from '../core/scope.js';

/** Why the candidate's budgets would have refused a call, and on which counter. */
export interface ReplayRefusal {
  code: 'budget_exceeded' | 'call_limit_exceeded';
  scope: ScopeKey | 'request';
  window: string;
  /** The window instance, like `2026-11-22` for a day; `all` for lifetime windows. */
  windowLabel: string;
}

interface LineSpend {
  committedInNanoUsd: NanoUsd;
  calls: number;
}

/**
 * The candidate's budget counters during a replay: one per line key, so a new window is a new
 * counter exactly as in the stores. Calls are replayed one at a time, so a reserve and its
 * commit are one step and nothing is ever reserved.
 */
export class ReplayBudgets {
  private readonly lines = new Map<string, LineSpend>();

  /** The first line (in resolve order, as the stores check them) that cannot take `amount` and one more call. */
  refusal(budgets: ResolvedBudgets, amountInNanoUsd: NanoUsd): ReplayRefusal | undefined {
    if (budgets.perRequestHardInNanoUsd !== undefined && amountInNanoUsd > budgets.perRequestHardInNanoUsd) {
      return { code: 'budget_exceeded', scope: 'request', window: 'request', windowLabel: 'request' };
    }
    for (const rule of budgets.rules) {
      const spend = this.spendOf(rule);
      const { line } = rule;
      if (line.callLimit !== undefined && spend.calls + 1 > line.callLimit) return refusalOn(rule, 'call_limit_exceeded');
      if (line.limitInNanoUsd !== undefined && spend.committedInNanoUsd + amountInNanoUsd > line.limitInNanoUsd) return refusalOn(rule, 'budget_exceeded');
    }
    return undefined;
  }

  /** Charges a call to every line it belongs to. */
  commit(budgets: ResolvedBudgets, amountInNanoUsd: NanoUsd): void {
    for (const rule of budgets.rules) {
      const spend = this.lines.get(rule.line.key);
      if (spend === undefined) this.lines.set(rule.line.key, { committedInNanoUsd: amountInNanoUsd, calls: 1 });
      else {
        spend.committedInNanoUsd += amountInNanoUsd;
        spend.calls += 1;
      }
    }
  }

  /** What a line has committed so far; undefined before its first call. */
  spentOf(lineKey: string): NanoUsd | undefined {
    return this.lines.get(lineKey)?.committedInNanoUsd;
  }

  private spendOf(rule: LineRule): LineSpend {
    return this.lines.get(rule.line.key) ?? { committedInNanoUsd: 0, calls: 0 };
  }
}

function refusalOn(rule: LineRule, code: ReplayRefusal['code']): ReplayRefusal {
  const label = rule.line.key.slice(rule.line.key.lastIndexOf('|') + 1);
  return { code, scope: rule.line.scope, window: rule.line.window, windowLabel: label };
}
