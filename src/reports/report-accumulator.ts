import type { LedgerCallSummary, LedgerScanRow, LedgerSummaryAttribution, LedgerTaskOutcome } from '../core/ledger-scan.js';
import type { ReportGroup } from './cost-report.js';
import { groupValueReader, noGroupKey, type ReportAttributes, type ReportDimension } from './report-dimension.js';
import { GroupFigures, GroupSums } from './report-figures.js';

const dayInMs = 86_400_000;

/**
 * One call's state in one group. The first state of a call also carries the call's state over
 * every group (`all…`), for the total; a call whose rows fall in several groups (a fallback to
 * another model) chains a state per group.
 */
interface CallState {
  sums: GroupSums;
  ok: boolean;
  /** The code of the latest refusal row, and that row's place (time, then sequence). */
  refusal: string | null;
  refusalAt: RowPlace | null;
  /** The tier of the earliest row that names one. */
  tier: string | null;
  tierAt: RowPlace | null;
  next: CallState | null;
  allOk: boolean;
  allRefusal: string | null;
  allRefusalAt: RowPlace | null;
  allTier: string | null;
  allTierAt: RowPlace | null;
}

interface RowPlace {
  timeInMs: number;
  sequence: number;
}

function isAfter(row: RowPlace, than: RowPlace | null): boolean {
  return than === null || row.timeInMs > than.timeInMs || (row.timeInMs === than.timeInMs && row.sequence > than.sequence);
}

interface TaskState {
  sums: GroupSums;
  costInNanoUsd: number;
  next: TaskState | null;
}

interface Outcome {
  outcome: string;
  timeInMs: number;
  sequence: number;
}

const callTypes: ReadonlySet<string> = new Set(['reservation-commit', 'reservation-release', 'call-refuse', 'cache-serve']);

/**
 * Folds scanned ledger rows, and stores' summaries of plain calls, into a report's groups, in any
 * order: a call is the set of rows with its request id, a task the set with its task id, and a
 * task's outcome its task-finish with the latest time (then sequence).
 * @example const accumulator = new ReportAccumulator({ kind: 'task-type' }); accumulator.addRows(rows); accumulator.groups();
 */
export class ReportAccumulator {
  private readonly groupOf: (row: ReportAttributes) => string | null;
  /** The group of each shared summary attribution (all but by user, where the user decides). */
  private readonly groupOfAttribution = new Map<LedgerSummaryAttribution, GroupSums>();
  private readonly sums = new Map<string, GroupSums>();
  private readonly total = new GroupSums('(all)');
  private readonly calls = new Map<string, CallState>();
  private readonly tasks = new Map<string, TaskState>();
  private readonly outcomes = new Map<string, Outcome>();
  private lastTask: { taskId: string; sums: GroupSums; state: TaskState } | undefined;
  private totalHasUserDays = false;
  rowsScanned = 0;

  constructor(private readonly dimension: ReportDimension) {
    this.groupOf = groupValueReader(dimension);
  }

  addRows(rows: readonly LedgerScanRow[]): void {
    this.rowsScanned += rows.length;
    for (const row of rows) {
      if (row.type === 'task-finish') {
        if (row.taskId !== null && row.outcome !== null) this.addOutcome(row.taskId, { outcome: row.outcome, timeInMs: row.timeInMs, sequence: row.sequence });
      } else if (callTypes.has(row.type)) this.addCallRow(row);
    }
  }

  addOutcomes(outcomes: readonly LedgerTaskOutcome[]): void {
    for (const { taskId, rows, outcome } of outcomes) {
      this.rowsScanned += rows;
      if (taskId !== null && outcome !== null) this.addOutcome(taskId, outcome);
    }
  }

  addSummaries(summaries: readonly LedgerCallSummary[]): void {
    for (const summary of summaries) {
      this.rowsScanned += summary.calls;
      const sums = this.summarySums(summary);
      addSummaryTo(sums, summary);
      addSummaryTo(this.total, summary);
      if (summary.user !== null) sums.addUserDay(summary.user, summary.day, summary.spendInNanoUsd);
      if (summary.taskId !== null) this.addToTask(summary.taskId, sums, summary.spendInNanoUsd);
    }
  }

  /** The groups, largest spend first (then by name), and the total over all rows. */
  groups(): { groups: ReportGroup[]; total: ReportGroup } {
    if (!this.totalHasUserDays) this.total.takeUserDaysOf(this.sums.values());
    this.totalHasUserDays = true;
    const figures = new Map<GroupSums, GroupFigures>([[this.total, new GroupFigures()]]);
    for (const sums of this.sums.values()) figures.set(sums, new GroupFigures());
    const figuresOf = (sums: GroupSums): GroupFigures => figures.get(sums) as GroupFigures;
    const totalFigures = figuresOf(this.total);
    for (const head of this.calls.values()) {
      totalFigures.addCalls(1, { ok: head.allOk, refusal: head.allRefusal, tier: head.allTier });
      for (let state: CallState | null = head; state !== null; state = state.next) figuresOf(state.sums).addCalls(1, state);
    }
    for (const sums of [this.total, ...this.sums.values()]) {
      for (const [tier, count] of sums.plainCallsByTier) figuresOf(sums).addCalls(count, { ok: true, refusal: null, tier });
    }
    for (const [taskId, head] of this.tasks) {
      const outcome = this.outcomes.get(taskId)?.outcome;
      let taskTotal = 0;
      for (let state: TaskState | null = head; state !== null; state = state.next) {
        figuresOf(state.sums).addTask(state.costInNanoUsd, outcome);
        taskTotal += state.costInNanoUsd;
      }
      totalFigures.addTask(taskTotal, outcome);
    }
    const groups = [...this.sums.values()]
      .map((sums) => figuresOf(sums).toGroup(sums))
      .sort((left, right) => right.spendInNanoUsd - left.spendInNanoUsd || (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
    return { groups, total: totalFigures.toGroup(this.total) };
  }

  private summarySums(summary: LedgerCallSummary): GroupSums {
    if (this.dimension.kind === 'user') return this.sumsOfKey(summary.user ?? noGroupKey);
    let sums = this.groupOfAttribution.get(summary.attribution);
    if (sums === undefined) {
      sums = this.sumsOfKey(this.groupOf({ ...summary.attribution, user: summary.user }) ?? noGroupKey);
      this.groupOfAttribution.set(summary.attribution, sums);
    }
    return sums;
  }

  private sumsOf(row: ReportAttributes): GroupSums {
    return this.sumsOfKey(this.groupOf(row) ?? noGroupKey);
  }

  private sumsOfKey(key: string): GroupSums {
    let sums = this.sums.get(key);
    if (sums === undefined) {
      sums = new GroupSums(key);
      this.sums.set(key, sums);
    }
    return sums;
  }

  private addOutcome(taskId: string, outcome: Outcome): void {
    if (outcome.outcome !== 'success' && outcome.outcome !== 'failure') return;
    const previous = this.outcomes.get(taskId);
    if (previous !== undefined && (previous.timeInMs > outcome.timeInMs || (previous.timeInMs === outcome.timeInMs && previous.sequence > outcome.sequence))) return;
    this.outcomes.set(taskId, outcome);
  }

  private addCallRow(row: LedgerScanRow): void {
    const sums = this.sumsOf(row);
    const settled = row.type === 'reservation-commit' || row.type === 'reservation-release';
    const costInNanoUsd = settled ? (row.costInNanoUsd ?? 0) : 0;
    addRowTo(sums, row, costInNanoUsd);
    addRowTo(this.total, row, costInNanoUsd);
    if (row.user !== null) sums.addUserDay(row.user, Math.floor(row.timeInMs / dayInMs), costInNanoUsd);
    this.addToCall(row, sums);
    if (row.taskId !== null) this.addToTask(row.taskId, sums, costInNanoUsd);
  }

  private addToCall(row: LedgerScanRow, sums: GroupSums): void {
    // A row without a request id is a call of its own.
    const callId = row.requestId ?? `#${row.sequence}`;
    const head = this.calls.get(callId);
    let state: CallState | null | undefined = head;
    while (state !== undefined && state !== null && state.sums !== sums) state = state.next;
    if (state === undefined || state === null) {
      state = { sums, ok: false, refusal: null, refusalAt: null, tier: null, tierAt: null, next: null, allOk: false, allRefusal: null, allRefusalAt: null, allTier: null, allTierAt: null };
      if (head === undefined) this.calls.set(callId, state);
      else {
        state.next = head.next;
        head.next = state;
      }
    }
    const call = head ?? state;
    if (row.status === 'ok' || row.status === 'cached') state.ok = call.allOk = true;
    if (row.type === 'call-refuse' || row.status === 'refused') {
      const code = row.errorCode ?? 'unknown';
      if (isAfter(row, state.refusalAt)) [state.refusal, state.refusalAt] = [code, row];
      if (isAfter(row, call.allRefusalAt)) [call.allRefusal, call.allRefusalAt] = [code, row];
    }
    if (row.tier !== null) {
      if (state.tierAt === null || isAfter(state.tierAt, row)) [state.tier, state.tierAt] = [row.tier, row];
      if (call.allTierAt === null || isAfter(call.allTierAt, row)) [call.allTier, call.allTierAt] = [row.tier, row];
    }
  }

  private addToTask(taskId: string, sums: GroupSums, costInNanoUsd: number): void {
    // Summaries and rows of one task mostly come one after another, in one group.
    const last = this.lastTask;
    if (last !== undefined && last.sums === sums && last.taskId === taskId) {
      last.state.costInNanoUsd += costInNanoUsd;
      return;
    }
    const head = this.tasks.get(taskId);
    let state: TaskState | null | undefined = head;
    while (state !== undefined && state !== null && state.sums !== sums) state = state.next;
    if (state === undefined || state === null) {
      state = { sums, costInNanoUsd: 0, next: null };
      if (head === undefined) this.tasks.set(taskId, state);
      else {
        state.next = head.next;
        head.next = state;
      }
    }
    state.costInNanoUsd += costInNanoUsd;
    this.lastTask = { taskId, sums, state };
  }
}

/** `costInNanoUsd` is the row's spend: its cost when it settles an attempt, else 0. User-days are the group's to add. */
function addRowTo(target: GroupSums, row: LedgerScanRow, costInNanoUsd: number): void {
  target.spendInNanoUsd += costInNanoUsd;
  if (row.retries !== null && row.retries > 0) target.retrySpendInNanoUsd += costInNanoUsd;
  if (row.type === 'cache-serve') {
    target.cacheHits += 1;
    target.cacheSavingsInNanoUsd += row.savedInNanoUsd ?? 0;
  }
}

function addSummaryTo(target: GroupSums, summary: LedgerCallSummary): void {
  target.spendInNanoUsd += summary.spendInNanoUsd;
  target.cacheHits += summary.cacheHits;
  target.cacheSavingsInNanoUsd += summary.cacheSavingsInNanoUsd;
  const tier = summary.attribution.tier;
  target.plainCallsByTier.set(tier, (target.plainCallsByTier.get(tier) ?? 0) + summary.calls);
}
