import { createWindowCache } from '../core/budget-window.js';
import type { LedgerRow } from '../core/ledger-event.js';
import type { NanoUsd } from '../core/money.js';
import { createDayDigest, type DayDigest } from './day-digest.js';
import { createLatencySamples, type LatencySamples } from './latency-samples.js';
import { createTaskDigest, type TaskDigest } from './task-digest.js';
import { ingestTaskRow } from './task-digest.js';

/** A security event as the panel lists it, linked to its task. */
export interface SecurityEvent {
  sequence: number;
  type: 'tool-deny' | 'sandbox-limit-cross' | 'loop-detect';
  timeInMs: number;
  taskId?: string;
  keyId?: string;
  team?: string;
  /** One line for people: the tool and why, the limits crossed, the loop's detail. */
  summary: string;
}

/** A kill switch set or cleared, as the ledger recorded it. */
export interface KillEvent {
  sequence: number;
  action: 'set' | 'clear';
  target: string;
  by: string;
  reason: string;
  timeInMs: number;
}

export type KnownScopeKind = 'org' | 'team' | 'key' | 'user' | 'model' | 'provider' | 'tag';

/** Running aggregates of the ledger for the control panel: fed rows in sequence order, read any time. */
export interface LedgerDigest {
  /** The last sequence ingested: the next read asks for rows after it. */
  readonly lastSequence: number | undefined;
  readonly tasks: ReadonlyMap<string, TaskDigest>;
  readonly latency: LatencySamples;
  /** The newest security events, newest last. */
  readonly securityEvents: readonly SecurityEvent[];
  /** The newest kill switch changes (set and clear), newest last. */
  readonly killEvents: readonly KillEvent[];
  /** Scope names seen on calls, per kind (`team` → research, …), so wildcard budgets can be listed per scope. */
  readonly knownScopes: ReadonlyMap<KnownScopeKind, ReadonlySet<string>>;
  ingest(rows: readonly LedgerRow[]): void;
  /** Today's figures in the configured zone (a fresh day when nothing has been seen yet today). */
  day(nowInMs: number): DayDigest;
  /** Spend this month so far, and per day (label → nano-USD). */
  month(nowInMs: number): { label: string; startInMs: number; endInMs: number; spentInNanoUsd: NanoUsd; byDay: ReadonlyMap<string, NanoUsd> };
  /** Spend per minute over the last `minutes`, per series key (`team:research`, `model:gpt-4o`, `tier:fast`, `key:…`, `user:…`, `org:…`). */
  minuteSpend(nowInMs: number): ReadonlyMap<number, ReadonlyMap<string, NanoUsd>>;
}

export interface LedgerDigestOptions {
  timeZone: string;
  /** Tasks kept at most; the ones idle longest are dropped first. */
  maxTasks?: number;
  /** Security events kept. */
  maxSecurityEvents?: number;
  /** Minutes of per-minute spend kept, for the live chart and burn rates. */
  minutesKept?: number;
}

const minuteInMs = 60_000;
const maxScopesPerKind = 1_000;

/**
 * Folds ledger rows into what the control panel shows. Pure: no I/O, no clock; the caller reads
 * the store and passes the time.
 * @example const digest = createLedgerDigest({ timeZone: 'UTC' }); digest.ingest(await store.query({ afterSequence: digest.lastSequence }));
 */
export function createLedgerDigest(options: LedgerDigestOptions): LedgerDigest {
  const windows = createWindowCache({ timeZone: options.timeZone });
  const maxTasks = options.maxTasks ?? 5_000;
  const maxSecurityEvents = options.maxSecurityEvents ?? 200;
  const minutesKept = options.minutesKept ?? 60;
  const tasks = new Map<string, TaskDigest>();
  const latency = createLatencySamples();
  const securityEvents: SecurityEvent[] = [];
  const killEvents: KillEvent[] = [];
  const knownScopes = new Map<KnownScopeKind, Set<string>>();
  const byMinute = new Map<number, Map<string, NanoUsd>>();
  const byDay = new Map<string, NanoUsd>();
  // Calls that reserved budget recently: a refusal of one of them (a tool call refused after the answer) is not a new call.
  const reserved = new Set<string>();
  let lastSequence: number | undefined;
  let today: DayDigest | undefined;
  let monthLabel = '';

  const dayAt = (timeInMs: number): DayDigest => {
    const bounds = windows.boundsAt('day', timeInMs);
    if (today === undefined || bounds.label > today.label) today = createDayDigest(bounds);
    return today;
  };
  const addMinuteSpend = (row: LedgerRow, costInNanoUsd: NanoUsd): void => {
    const minute = Math.floor(row.timeInMs / minuteInMs);
    let spend = byMinute.get(minute);
    if (spend === undefined) {
      spend = new Map();
      byMinute.set(minute, spend);
      for (const old of byMinute.keys()) if (old <= minute - minutesKept) byMinute.delete(old);
    }
    for (const series of seriesOf(row)) spend.set(series, (spend.get(series) ?? 0) + costInNanoUsd);
  };
  const addMonthSpend = (row: LedgerRow, costInNanoUsd: NanoUsd): void => {
    const month = windows.boundsAt('month', row.timeInMs);
    if (month.label > monthLabel) {
      monthLabel = month.label;
      byDay.clear();
    }
    if (month.label !== monthLabel) return;
    const label = windows.boundsAt('day', row.timeInMs).label;
    byDay.set(label, (byDay.get(label) ?? 0) + costInNanoUsd);
  };
  const noteReserved = (requestId: string | undefined): void => {
    if (requestId === undefined) return;
    reserved.add(requestId);
    if (reserved.size > 10_000) reserved.delete(reserved.values().next().value as string);
  };
  const addTask = (row: LedgerRow): void => {
    if (row.taskId === undefined) return;
    let task = tasks.get(row.taskId);
    if (task === undefined) {
      task = createTaskDigest(row);
      tasks.set(row.taskId, task);
      if (tasks.size > maxTasks) dropIdlestTask(tasks);
    }
    ingestTaskRow(task, row);
  };
  const addSecurityEvent = (row: LedgerRow): void => {
    if (row.type !== 'tool-deny' && row.type !== 'sandbox-limit-cross' && row.type !== 'loop-detect') return;
    if (row.type === 'loop-detect' && row.data?.resumed === true) return;
    securityEvents.push({
      sequence: row.sequence,
      type: row.type,
      timeInMs: row.timeInMs,
      ...(row.taskId === undefined ? {} : { taskId: row.taskId }),
      ...(row.keyId === undefined ? {} : { keyId: row.keyId }),
      ...(row.team === undefined ? {} : { team: row.team }),
      summary: securitySummary(row),
    });
    if (securityEvents.length > maxSecurityEvents) securityEvents.splice(0, securityEvents.length - maxSecurityEvents);
  };

  const addKnownScopes = (row: LedgerRow): void => {
    const add = (kind: KnownScopeKind, name: string | undefined): void => {
      if (name === undefined) return;
      let names = knownScopes.get(kind);
      if (names === undefined) {
        names = new Set();
        knownScopes.set(kind, names);
      }
      if (names.size < maxScopesPerKind) names.add(name);
    };
    add('org', row.org);
    add('team', row.team);
    add('key', row.keyId);
    add('user', row.user);
    add('model', row.model);
    add('provider', row.provider);
    for (const [name, value] of Object.entries(row.tags ?? {})) add('tag', `${name}=${value}`);
  };
  const addKillEvent = (row: LedgerRow): void => {
    const data = row.data ?? {};
    killEvents.push({
      sequence: row.sequence,
      action: row.type === 'kill-switch-set' ? 'set' : 'clear',
      target: typeof data.target === 'string' ? data.target : '?',
      by: typeof data.by === 'string' ? data.by : '?',
      reason: typeof data.reason === 'string' ? data.reason : '',
      timeInMs: row.timeInMs,
    });
    if (killEvents.length > maxSecurityEvents) killEvents.splice(0, killEvents.length - maxSecurityEvents);
  };

  return {
    get lastSequence() {
      return lastSequence;
    },
    tasks,
    latency,
    securityEvents,
    killEvents,
    knownScopes,
    ingest(rows) {
      for (const row of rows) {
        if (lastSequence !== undefined && row.sequence <= lastSequence) continue;
        lastSequence = row.sequence;
        if (row.type === 'reservation-create') {
          noteReserved(row.requestId);
          addKnownScopes(row);
        }
        if (row.type === 'kill-switch-set' || row.type === 'kill-switch-clear') addKillEvent(row);
        const isNewCall = row.type !== 'call-refuse' || row.requestId === undefined || !reserved.has(row.requestId);
        const day = dayAt(row.timeInMs);
        if (windows.boundsAt('day', row.timeInMs).label === day.label) day.ingest(row, isNewCall);
        const costInNanoUsd = row.type === 'reservation-commit' ? (row.costInNanoUsd ?? 0) : 0;
        if (costInNanoUsd > 0) {
          addMinuteSpend(row, costInNanoUsd);
          addMonthSpend(row, costInNanoUsd);
        }
        if (row.type === 'reservation-commit' && row.status === 'ok') latency.add(row);
        addTask(row);
        addSecurityEvent(row);
      }
    },
    day: (nowInMs) => dayAt(nowInMs),
    month(nowInMs) {
      const bounds = windows.boundsAt('month', nowInMs);
      const current = bounds.label === monthLabel ? byDay : new Map<string, NanoUsd>();
      let spentInNanoUsd = 0;
      for (const amount of current.values()) spentInNanoUsd += amount;
      return { label: bounds.label, startInMs: bounds.startInMs, endInMs: bounds.endInMs, spentInNanoUsd, byDay: current };
    },
    minuteSpend(nowInMs) {
      const oldest = Math.floor(nowInMs / minuteInMs) - minutesKept;
      for (const minute of byMinute.keys()) if (minute <= oldest) byMinute.delete(minute);
      return byMinute;
    },
  };
}

/** The series a charge counts in: its team, model, tier, key, user, provider and org. */
function seriesOf(row: LedgerRow): string[] {
  const tier = typeof row.data?.tier === 'string' ? row.data.tier : 'direct';
  return [
    `team:${row.team ?? '(none)'}`,
    `model:${row.model ?? '(unknown)'}`,
    `tier:${tier}`,
    ...(row.keyId === undefined ? [] : [`key:${row.keyId}`]),
    ...(row.user === undefined ? [] : [`user:${row.user}`]),
    ...(row.provider === undefined ? [] : [`provider:${row.provider}`]),
    ...(row.org === undefined ? [] : [`org:${row.org}`]),
    ...Object.entries(row.tags ?? {}).map(([name, value]) => `tag:${name}=${value}`),
  ];
}

function dropIdlestTask(tasks: Map<string, TaskDigest>): void {
  let idlest: TaskDigest | undefined;
  for (const task of tasks.values()) if (idlest === undefined || task.lastAtInMs < idlest.lastAtInMs) idlest = task;
  if (idlest !== undefined) tasks.delete(idlest.id);
}

function securitySummary(row: LedgerRow): string {
  const data = row.data ?? {};
  const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
  switch (row.type) {
    case 'tool-deny':
      return `tool ${text(data.tool)} ${text(data.decision) || 'denied'} (${text(data.stage)}, ${text(data.action)}): ${text(data.reason)}`;
    case 'sandbox-limit-cross':
      return `sandbox limits crossed: ${text(data.limits)}${Array.isArray(data.command) ? ` running ${data.command.join(' ')}` : ''}`;
    default:
      return `${text(data.kind)} (${text(data.reason)}, action ${text(data.action)}): ${text(data.detail)}`;
  }
}
