import type { ReportGroup } from './cost-report.js';
import { nearestRank } from './nearest-rank.js';
import { noGroupKey } from './report-dimension.js';

/** Running sums of one group, added to row by row and summary by summary. */
export class GroupSums {
  spendInNanoUsd = 0;
  retrySpendInNanoUsd = 0;
  cacheHits = 0;
  cacheSavingsInNanoUsd = 0;
  userSpendInNanoUsd = 0;
  /** Plain calls (see LedgerCallSummary) by tier: each one row, answered, in no other group. */
  readonly plainCallsByTier = new Map<string | null, number>();
  /** The UTC days each user made a call on. */
  private readonly daysOfUser = new Map<string, Set<number>>();
  private userDayCount = 0;
  // Rows and summaries of one task come together, mostly of one user on one day: a repeat skips the lookups.
  private lastUser: string | undefined;
  private lastDay = Number.NaN;

  constructor(readonly key: string) {}

  addUserDay(user: string, day: number, costInNanoUsd: number): void {
    this.userSpendInNanoUsd += costInNanoUsd;
    if (day === this.lastDay && user === this.lastUser) return;
    this.lastUser = user;
    this.lastDay = day;
    let days = this.daysOfUser.get(user);
    if (days === undefined) this.daysOfUser.set(user, (days = new Set()));
    if (!days.has(day)) {
      days.add(day);
      this.userDayCount += 1;
    }
  }

  /** Distinct (user, UTC day) pairs with a call. */
  get userDays(): number {
    return this.userDayCount;
  }

  /** Takes the user-days and user spend of all `groups` together (the total, which does not track its own). */
  takeUserDaysOf(groups: Iterable<GroupSums>): void {
    for (const group of groups) {
      this.userSpendInNanoUsd += group.userSpendInNanoUsd;
      for (const [user, days] of group.daysOfUser) {
        let mine = this.daysOfUser.get(user);
        if (mine === undefined) this.daysOfUser.set(user, (mine = new Set()));
        for (const day of days) {
          if (mine.has(day)) continue;
          mine.add(day);
          this.userDayCount += 1;
        }
      }
    }
  }
}

/** The counts made from call and task states (and plain calls) once every row is in. */
export class GroupFigures {
  calls = 0;
  okCalls = 0;
  budgetCapHits = 0;
  readonly refusalsByCode: Record<string, number> = {};
  readonly tiers: Record<string, number> = {};
  readonly taskCosts: number[] = [];
  tasksWithOutcome = 0;
  successfulTasks = 0;

  /** `count` calls in one state: answered or not, refused with a code or not, under a tier or none. */
  addCalls(count: number, call: { ok: boolean; refusal: string | null; tier: string | null }): void {
    this.calls += count;
    const tierKey = call.tier ?? noGroupKey;
    this.tiers[tierKey] = (this.tiers[tierKey] ?? 0) + count;
    if (call.ok) {
      this.okCalls += count;
      return;
    }
    if (call.refusal === null) return;
    this.refusalsByCode[call.refusal] = (this.refusalsByCode[call.refusal] ?? 0) + count;
    if (call.refusal === 'budget_exceeded') this.budgetCapHits += count;
  }

  addTask(costInNanoUsd: number, outcome: string | undefined): void {
    this.taskCosts.push(costInNanoUsd);
    if (outcome === undefined) return;
    this.tasksWithOutcome += 1;
    if (outcome === 'success') this.successfulTasks += 1;
  }

  toGroup(sums: GroupSums): ReportGroup {
    const costs = this.taskCosts.sort((left, right) => left - right);
    let taskSpend = 0;
    for (const cost of costs) taskSpend += cost;
    const userDays = sums.userDays;
    return {
      key: sums.key,
      calls: this.calls,
      okCalls: this.okCalls,
      okRate: ratio(this.okCalls, this.calls),
      tasks: costs.length,
      tasksWithOutcome: this.tasksWithOutcome,
      successfulTasks: this.successfulTasks,
      successRate: ratio(this.successfulTasks, this.tasksWithOutcome),
      costPerTask:
        costs.length === 0
          ? null
          : {
              meanInNanoUsd: Math.round(taskSpend / costs.length),
              p50InNanoUsd: nearestRank(costs, 50) as number,
              p95InNanoUsd: nearestRank(costs, 95) as number,
              p99InNanoUsd: nearestRank(costs, 99) as number,
              maxInNanoUsd: costs[costs.length - 1] as number,
            },
      spendInNanoUsd: sums.spendInNanoUsd,
      costPerSuccessInNanoUsd: this.successfulTasks === 0 ? null : Math.round(sums.spendInNanoUsd / this.successfulTasks),
      userDays,
      costPerUserDayInNanoUsd: userDays === 0 ? null : Math.round(sums.userSpendInNanoUsd / userDays),
      tiers: sortedRecord(this.tiers),
      budgetCapHits: this.budgetCapHits,
      budgetCapHitRate: ratio(this.budgetCapHits, this.calls),
      refusalsByCode: sortedRecord(this.refusalsByCode),
      cacheHits: sums.cacheHits,
      cacheSavingsInNanoUsd: sums.cacheSavingsInNanoUsd,
      retrySpendInNanoUsd: sums.retrySpendInNanoUsd,
      retryShareOfSpend: ratio(sums.retrySpendInNanoUsd, sums.spendInNanoUsd),
    };
  }
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** Largest count first, then by name, so JSON, tables and CSV list them the same way. */
function sortedRecord(counts: Record<string, number>): Record<string, number> {
  const entries = Object.entries(counts).sort(([leftKey, left], [rightKey, right]) => right - left || (leftKey < rightKey ? -1 : leftKey > rightKey ? 1 : 0));
  return Object.fromEntries(entries);
}
