import { windowBounds } from './budget-window.js';
import { nanoToUsdText, type NanoUsd } from './money.js';
import type { SloConfig } from './slo-config-schema.js';

/** What the evaluator reads of one charged call (a `reservation-commit` ledger row). */
export interface SloCallRow {
  timeInMs: number;
  costInNanoUsd: NanoUsd;
  taskId?: string;
  taskType?: string;
  org?: string;
  team?: string;
  keyId?: string;
  user?: string;
  model?: string;
  provider?: string;
  tags?: Record<string, string>;
}

/** An SLO breach to announce, once: the caller claims `markKey` in the shared store first. */
export interface SloFinding {
  kind: 'slo-overrun' | 'slo-burn-rate';
  slo: string;
  markKey: string;
  markExpiresAtInMs: number;
  message: string;
  data: Record<string, unknown>;
}

export interface SloEvaluator {
  observe(row: SloCallRow): void;
  /**
   * Judges every minute that ended at least `graceInMs` ago and not judged yet, and each SLO's
   * burn rate. `monthToDate` gives each SLO's spend this month (its monthly budget line).
   */
  evaluate(options: { nowInMs: number; monthToDate: ReadonlyMap<string, NanoUsd> }): SloFinding[];
}

const minuteInMs = 60_000;
const hourInMs = 3_600_000;
const dayInMs = 86_400_000;
// A task idle this long is over: its costs stop being kept.
const idleTaskInMinutes = 6 * 60;

interface TaskCosts {
  /** Spend in minutes already judged (and late rows). */
  judgedInNanoUsd: NanoUsd;
  byMinute: Map<number, NanoUsd>;
  lastMinute: number;
}

interface Streak {
  startMinute: number | undefined;
  fired: boolean;
}

interface SloState {
  slo: SloConfig;
  tasks: Map<string, TaskCosts>;
  activeByMinute: Map<number, Set<string>>;
  spendByMinute: Map<number, NanoUsd>;
  streaks: { mean: Streak; p95: Streak };
}

/**
 * Watches cost SLOs over the calls it is fed. Per completed minute it takes the tasks that made
 * a call in that minute, each at its cost so far, and compares their mean with `targetPerTask`
 * and their 95th percentile (nearest rank) with `p95PerTask`; an overrun is announced once it has
 * lasted `sustainedMinutes` consecutive minutes, so a single expensive minute never alerts. The
 * burn rate extrapolates the last `burnRateHours` of spend to the end of the month.
 * Every replica feeding the same ledger reaches the same findings with the same mark keys.
 */
export function createSloEvaluator(options: { slos: readonly SloConfig[]; org: string; timeZone: string; graceInMs?: number }): SloEvaluator {
  const { org, timeZone, graceInMs = 10_000 } = options;
  const states: SloState[] = options.slos
    .filter((slo) => slo.targetPerTask !== undefined || slo.p95PerTask !== undefined || slo.monthly !== undefined)
    .map((slo) => ({ slo, tasks: new Map(), activeByMinute: new Map(), spendByMinute: new Map(), streaks: { mean: { startMinute: undefined, fired: false }, p95: { startMinute: undefined, fired: false } } }));
  let nextMinute: number | undefined;
  const emitted = new Set<string>();

  const judgeMinute = (state: SloState, minute: number, findings: SloFinding[]): void => {
    const active = state.activeByMinute.get(minute);
    state.activeByMinute.delete(minute);
    const costs: NanoUsd[] = [];
    for (const taskId of active ?? []) {
      const task = state.tasks.get(taskId);
      if (task === undefined) continue;
      task.judgedInNanoUsd += task.byMinute.get(minute) ?? 0;
      task.byMinute.delete(minute);
      costs.push(task.judgedInNanoUsd);
    }
    costs.sort((left, right) => left - right);
    const checks = [
      { name: 'mean' as const, bound: state.slo.targetPerTask, value: costs.length === 0 ? undefined : Math.round(costs.reduce((sum, cost) => sum + cost, 0) / costs.length) },
      { name: 'p95' as const, bound: state.slo.p95PerTask, value: costs.length === 0 ? undefined : costs[Math.ceil(0.95 * costs.length) - 1] },
    ];
    for (const check of checks) {
      if (check.bound === undefined) continue;
      const streak = state.streaks[check.name];
      if (check.value === undefined || check.value <= check.bound) {
        streak.startMinute = undefined;
        streak.fired = false;
        continue;
      }
      streak.startMinute ??= minute;
      const minutes = minute - streak.startMinute + 1;
      if (streak.fired || minutes < state.slo.sustainedMinutes) continue;
      streak.fired = true;
      const figure = check.name === 'mean' ? 'mean cost per task' : 'p95 cost per task';
      const of = state.slo.taskType === undefined ? 'tasks' : `"${state.slo.taskType}" tasks`;
      findings.push({
        kind: 'slo-overrun',
        slo: state.slo.name,
        markKey: `slo|${state.slo.name}|overrun-${check.name}|${streak.startMinute}`,
        markExpiresAtInMs: (minute + 1) * minuteInMs + dayInMs,
        message: `SLO "${state.slo.name}": the ${figure} of ${of} has been above $${nanoToUsdText(check.bound)} for ${minutes} minutes (last minute: $${nanoToUsdText(check.value)} over ${costs.length} tasks).`,
        data: { figure: check.name, boundInNanoUsd: check.bound, valueInNanoUsd: check.value, tasks: costs.length, minutes, sinceInMs: streak.startMinute * minuteInMs },
      });
    }
    for (const [taskId, task] of state.tasks) if (minute - task.lastMinute > idleTaskInMinutes) state.tasks.delete(taskId);
  };

  const judgeBurnRate = (state: SloState, nowInMs: number, spentThisMonth: NanoUsd | undefined, findings: SloFinding[]): void => {
    const { slo } = state;
    const oldestMinute = Math.floor((nowInMs - slo.burnRateHours * hourInMs) / minuteInMs);
    let recentInNanoUsd = 0;
    for (const [minute, spend] of state.spendByMinute) {
      if (minute < oldestMinute) state.spendByMinute.delete(minute);
      else recentInNanoUsd += spend;
    }
    if (slo.monthly === undefined || spentThisMonth === undefined || recentInNanoUsd === 0) return;
    const leftInNanoUsd = slo.monthly - spentThisMonth;
    if (leftInNanoUsd <= 0) return;
    const month = windowBounds({ window: 'month', timeInMs: nowInMs, timeZone });
    const runsOutAtInMs = nowInMs + (leftInNanoUsd / recentInNanoUsd) * slo.burnRateHours * hourInMs;
    if (runsOutAtInMs >= month.endInMs) return;
    const today = windowBounds({ window: 'day', timeInMs: nowInMs, timeZone });
    const markKey = `slo|${slo.name}|burn-rate|${today.label}`;
    if (emitted.has(markKey)) return;
    emitted.add(markKey);
    const date = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone }).format(runsOutAtInMs);
    const scope = slo.scope ?? `org:${org}`;
    findings.push({
      kind: 'slo-burn-rate',
      slo: slo.name,
      markKey,
      markExpiresAtInMs: today.endInMs + dayInMs,
      message: `SLO "${slo.name}": at the last ${slo.burnRateHours} hours' rate ($${nanoToUsdText(Math.round(recentInNanoUsd / slo.burnRateHours))}/h) the monthly budget of $${nanoToUsdText(slo.monthly)} for ${scope} runs out on ${date}, ${Math.ceil((month.endInMs - runsOutAtInMs) / dayInMs)} days before the month ends ($${nanoToUsdText(spentThisMonth)} spent so far).`,
      data: { scope, monthlyInNanoUsd: slo.monthly, spentInNanoUsd: spentThisMonth, recentInNanoUsd, burnRateHours: slo.burnRateHours, runsOutAtInMs, monthEndsAtInMs: month.endInMs },
    });
  };

  return {
    observe(row) {
      if (row.costInNanoUsd <= 0) return;
      const minute = Math.floor(row.timeInMs / minuteInMs);
      for (const state of states) {
        if (!inScope(row, state.slo.scope ?? `org:${org}`, org)) continue;
        state.spendByMinute.set(minute, (state.spendByMinute.get(minute) ?? 0) + row.costInNanoUsd);
        if (row.taskId === undefined || (state.slo.taskType !== undefined && row.taskType !== state.slo.taskType)) continue;
        let task = state.tasks.get(row.taskId);
        if (task === undefined) {
          task = { judgedInNanoUsd: 0, byMinute: new Map(), lastMinute: minute };
          state.tasks.set(row.taskId, task);
        }
        task.lastMinute = Math.max(task.lastMinute, minute);
        if (nextMinute !== undefined && minute < nextMinute) {
          // Late for its minute, which is judged already: it still counts in the task's cost.
          task.judgedInNanoUsd += row.costInNanoUsd;
          continue;
        }
        task.byMinute.set(minute, (task.byMinute.get(minute) ?? 0) + row.costInNanoUsd);
        let active = state.activeByMinute.get(minute);
        if (active === undefined) {
          active = new Set();
          state.activeByMinute.set(minute, active);
        }
        active.add(row.taskId);
      }
    },
    evaluate({ nowInMs, monthToDate }) {
      const findings: SloFinding[] = [];
      const lastComplete = Math.floor((nowInMs - graceInMs) / minuteInMs) - 1;
      if (nextMinute === undefined) {
        const observed = states.flatMap((state) => [...state.activeByMinute.keys()]);
        nextMinute = observed.length === 0 ? lastComplete + 1 : Math.min(...observed);
      }
      for (; nextMinute <= lastComplete; nextMinute += 1) {
        for (const state of states) judgeMinute(state, nextMinute, findings);
      }
      for (const state of states) judgeBurnRate(state, nowInMs, monthToDate.get(state.slo.name), findings);
      return findings.filter((finding) => finding.kind !== 'slo-overrun' || !emitted.has(finding.markKey));
    },
  };
}

function inScope(row: SloCallRow, scope: string, org: string): boolean {
  const separator = scope.indexOf(':');
  const kind = scope.slice(0, separator);
  const name = scope.slice(separator + 1);
  switch (kind) {
    case 'org':
      return (row.org ?? org) === name;
    case 'team':
      return row.team === name;
    case 'key':
      return row.keyId === name;
    case 'user':
      return row.user === name;
    case 'model':
      return row.model === name;
    case 'provider':
      return row.provider === name;
    case 'tag': {
      const equals = name.indexOf('=');
      return equals > 0 && row.tags?.[name.slice(0, equals)] === name.slice(equals + 1);
    }
    default:
      return false;
  }
}
