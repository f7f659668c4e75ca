import type { ApprovalRecord } from '../core/approval-record.js';
import type { NanoUsd } from '../core/money.js';
import type { LatencySummary } from './latency-samples.js';
import type { SecurityEvent, KillEvent } from './ledger-digest.js';
import type { SpendDimension } from './day-digest.js';

/**
 * What the control panel shows, as JSON: money in integer nano-USD, times in ms since the epoch.
 * The server sends it whole on connect, then only the sections that changed.
 */
export interface PanelState {
  atInMs: number;
  fleet: FleetView;
  spend: SpendView;
  budgets: BudgetsView;
  routing: RoutingView;
  security: SecurityView;
  approvals: ApprovalsView;
  kills: KillsView;
}

export type PanelSection = Exclude<keyof PanelState, 'atInMs'>;
export const panelSections: readonly PanelSection[] = ['fleet', 'spend', 'budgets', 'routing', 'security', 'approvals', 'kills'];

export type TaskStatus = 'running' | 'idle' | 'near-cap' | 'looping' | 'stuck' | 'paused' | 'killed' | 'finished';

export interface TaskRowView {
  id: string;
  type?: string;
  keyId?: string;
  keyName?: string;
  team?: string;
  user?: string;
  model?: string;
  costInNanoUsd: NanoUsd;
  /** The task's budget line (its sub-tasks included): spent and limit, when it has one. */
  budget?: { spentInNanoUsd: NanoUsd; limitInNanoUsd?: NanoUsd; calls: number; callLimit?: number };
  calls: number;
  inFlight: number;
  startedAtInMs: number;
  lastAtInMs: number;
  status: TaskStatus;
  /** Why: the loop's detail, the approval asked for, the kill switch. */
  statusDetail?: string;
  /** Cost after each of the latest charged calls. */
  sparkline: NanoUsd[];
}

export interface FleetView {
  inFlight: number;
  /** Tasks with a call in the last 10 minutes, in flight, paused, looping or killed; in the order they started. */
  tasks: TaskRowView[];
  /** Tasks left out of `tasks` to keep the list short. */
  moreTasks: number;
}

export interface SeriesView {
  name: string;
  values: NanoUsd[];
}

export interface SpendSeriesView {
  startInMs: number;
  stepInMs: number;
  /** At most 6 names per dimension, the rest summed as "other". */
  series: Record<SpendDimension, SeriesView[]>;
}

export interface TaskCostView {
  type: string;
  tasks: number;
  p50InNanoUsd: NanoUsd;
  p95InNanoUsd: NanoUsd;
  p99InNanoUsd: NanoUsd;
  maxInNanoUsd: NanoUsd;
}

export interface SpendView {
  dayLabel: string;
  todayInNanoUsd: NanoUsd;
  monthInNanoUsd: NanoUsd;
  /** Spend so far plus the last hour's rate to the end of the day; this month's daily average to the end of the month. */
  projectedDayInNanoUsd: NanoUsd;
  projectedMonthInNanoUsd: NanoUsd;
  dayBudgetInNanoUsd?: NanoUsd;
  monthBudgetInNanoUsd?: NanoUsd;
  /** Today, per team, largest first: every team. */
  byTeam: Array<{ team: string; costInNanoUsd: NanoUsd }>;
  lastHour: SpendSeriesView;
  today: SpendSeriesView;
  taskCost: TaskCostView[];
  /** Tasks by cost bucket, per task type: counts[i] holds the tasks between edges i and i + 1. */
  taskCostHistogram: { edgesInNanoUsd: NanoUsd[]; counts: Array<{ type: string; counts: number[] }> };
  topUsers: Array<{ user: string; costInNanoUsd: NanoUsd; calls: number }>;
}

export interface BudgetLineView {
  key: string;
  scope: string;
  window: string;
  windowEndInMs: number;
  /** Where it is configured: the budget's scope selector (`team:*`), `key` for a virtual key's own limits. */
  source: string;
  mode: 'enforce' | 'shadow';
  hardInNanoUsd?: NanoUsd;
  softInNanoUsd?: NanoUsd;
  callLimit?: number;
  spentInNanoUsd: NanoUsd;
  reservedInNanoUsd: NanoUsd;
  calls: number;
  /** The highest ladder stage reached (percent and actions), if any. */
  stage?: { atPercent: number; actions: string[] };
  /** Spend per hour over the last 15 minutes on this scope. */
  burnPerHourInNanoUsd: NanoUsd;
  /** When the hard limit is reached at that rate (from the current minute); absent when nothing is burning or there is no hard limit. */
  exhaustedAtInMs?: number;
  /** Shadow decisions today on this line (a shadow budget's would-have-refused, clamped or downgraded calls). */
  shadowDecisions: number;
}

export interface BudgetsView {
  lines: BudgetLineView[];
  /** Shadow-mode decisions today, per configured source and kind (would have refused, clamped, downgraded, denied, held). */
  shadow: Array<{ scope: string; kind: string; count: number }>;
}

export interface RoutingView {
  calls: number;
  ok: number;
  cached: number;
  refused: number;
  upstreamErrors: number;
  disconnected: number;
  /** Fractions in [0, 1]; absent before the first call. */
  successRate?: number;
  budgetCapHitRate?: number;
  cacheHitRate?: number;
  cacheSavedInNanoUsd: NanoUsd;
  downgrades: number;
  fallbacks: number;
  retries: number;
  tiers: Array<{ tier: string; calls: number }>;
  downgradePairs: Array<{ pair: string; count: number }>;
  refusals: Array<{ code: string; count: number }>;
  upstreamErrorCodes: Array<{ code: string; count: number }>;
  latency: LatencySummary;
  circuits: Array<{ upstream: string; state: string }>;
}

export interface SecurityView {
  counts: { toolDenials: number; sandboxViolations: number; loopDetections: number };
  /** The latest events, oldest first (a new one is appended: the update carries it alone). */
  events: Array<SecurityEvent & { keyName?: string }>;
}

/** An approval as the panel shows it: arguments cut to 500 characters, the key's name beside its id. */
export type ApprovalView = Omit<ApprovalRecord, 'callKey'> & { keyName?: string };

export interface ApprovalsView {
  pending: ApprovalView[];
  /** The latest decided ones, newest first. */
  decided: ApprovalView[];
}

export interface KillsView {
  active: Array<{ target: string; reason: string; by: string; atInMs: number }>;
  /** The latest changes, oldest first. */
  history: KillEvent[];
}
