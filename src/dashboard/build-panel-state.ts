import type { ApprovalRecord } from '../core/approval-record.js';
import type { BudgetConfig } from '../core/budget-config-schema.js';
import type { KillSwitch } from '../core/control-records.js';
import type { BudgetState } from '../core/store.js';
import { buildBudgetsView, type WatchedLine } from './budget-view.js';
import { buildApprovalsView, buildKillsView, buildSecurityView } from './control-views.js';
import { buildFleetView, type InFlightSummary } from './fleet-view.js';
import type { LedgerDigest } from './ledger-digest.js';
import type { PanelState } from './panel-state.js';
import { buildRoutingView } from './routing-view.js';
import { buildSpendView } from './spend-view.js';

/** Everything the panel state is computed from: the ledger digest and the live facts read at `nowInMs`. */
export interface PanelSources {
  digest: LedgerDigest;
  nowInMs: number;
  org: string;
  budgets: readonly BudgetConfig[];
  inFlight: readonly InFlightSummary[];
  killSwitches: readonly KillSwitch[];
  approvals: readonly ApprovalRecord[];
  keyNames: ReadonlyMap<string, string>;
  circuits: ReadonlyArray<{ upstream: string; state: string }>;
  /** Shown tasks the loop detector holds halted. */
  halted: ReadonlySet<string>;
  /** Budget lines read from the store: the watched lines' and the shown tasks' (`task:<id>|total|all`). */
  states: readonly BudgetState[];
  watched: readonly WatchedLine[];
}

/** The whole panel state. Pure: the same sources give the same state. */
export function buildPanelState(sources: PanelSources): PanelState {
  const { digest, nowInMs } = sources;
  const pending = sources.approvals.filter((approval) => approval.status === 'pending');
  const taskLines = new Map<string, BudgetState>();
  for (const state of sources.states) if (state.scope.startsWith('task:') && state.window === 'total') taskLines.set(state.scope.slice('task:'.length), state);
  return {
    atInMs: nowInMs,
    fleet: buildFleetView({ digest, nowInMs, inFlight: sources.inFlight, killSwitches: sources.killSwitches, pending, halted: sources.halted, taskLines, keyNames: sources.keyNames }),
    spend: buildSpendView({ digest, nowInMs, org: sources.org, budgets: sources.budgets }),
    budgets: buildBudgetsView({ watched: sources.watched, states: sources.states, digest, nowInMs }),
    routing: buildRoutingView({ digest, nowInMs, circuits: sources.circuits }),
    security: buildSecurityView({ digest, nowInMs, keyNames: sources.keyNames }),
    approvals: buildApprovalsView(sources.approvals, sources.keyNames),
    kills: buildKillsView({ killSwitches: sources.killSwitches, digest }),
  };
}

/** Task line keys to read for the shown tasks. */
export function taskLineKey(taskId: string): string {
  return `task:${taskId}|total|all`;
}
