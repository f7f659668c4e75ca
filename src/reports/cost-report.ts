import type { NanoUsd } from '../core/money.js';

/** Cost per task: the mean (rounded to the nearest nano-USD) and nearest-rank percentiles. */
export interface CostDistribution {
  meanInNanoUsd: NanoUsd;
  p50InNanoUsd: NanoUsd;
  p95InNanoUsd: NanoUsd;
  p99InNanoUsd: NanoUsd;
  maxInNanoUsd: NanoUsd;
}

/** Every figure of one group (or of all rows: the report's `total`). Rates are fractions, null when undefined (0 / 0). */
export interface ReportGroup {
  key: string;
  /** Distinct calls (request ids) with a settled attempt, a refusal or a cache hit in the group. */
  calls: number;
  /** Calls that got an answer: an attempt with status ok, or a cache hit. */
  okCalls: number;
  okRate: number | null;
  /** Distinct tasks with a call in the group. */
  tasks: number;
  /** Those tasks that reported an outcome (their last task-finish in the period). */
  tasksWithOutcome: number;
  successfulTasks: number;
  successRate: number | null;
  /** Over the group's tasks: each task's spend on the group's calls. Null without tasks. */
  costPerTask: CostDistribution | null;
  spendInNanoUsd: NanoUsd;
  /** spend / successful tasks, rounded; null without a success. */
  costPerSuccessInNanoUsd: NanoUsd | null;
  /** Distinct (user, UTC day) pairs with a call. */
  userDays: number;
  /** Spend of calls that name a user / userDays, rounded; null without users. */
  costPerUserDayInNanoUsd: NanoUsd | null;
  /** Calls per routing tier; `(none)` for calls not routed through a tier. */
  tiers: Record<string, number>;
  /** Calls refused (in the end) because a money budget could not cover them: code budget_exceeded. */
  budgetCapHits: number;
  budgetCapHitRate: number | null;
  /** Calls refused in the end (no answer), by the code of their last refusal. */
  refusalsByCode: Record<string, number>;
  cacheHits: number;
  /** What the cache hits would have cost: the price of the answers they reused. */
  cacheSavingsInNanoUsd: NanoUsd;
  /** Spend of attempts that were retries (retries > 0). */
  retrySpendInNanoUsd: NanoUsd;
  retryShareOfSpend: number | null;
}

/** A cap drawn from the data: the group's p99 cost per task × 1.2, rounded up to two significant digits. */
export interface CapSuggestion {
  group: string;
  tasks: number;
  p99InNanoUsd: NanoUsd;
  capInNanoUsd: NanoUsd;
  /** Where the cap goes in the config, when the report is by task type. */
  configPath?: string;
}

/** A group whose p95 cost per task is more than three times its mean: a few tasks cost far more than most. */
export interface HeavyTailFlag {
  group: string;
  kind: 'heavy-tail';
  meanInNanoUsd: NanoUsd;
  p95InNanoUsd: NanoUsd;
  /** p95 / mean. */
  ratio: number;
}

/** A cost report over one period, as `warden report --format json` and GET /admin/reports return it. */
export interface CostReport {
  /** The grouping, as `--by` spells it. */
  by: string;
  sinceInMs: number;
  untilInMs: number;
  percentileMethod: 'nearest-rank';
  rowsScanned: number;
  /** Largest spend first. */
  groups: ReportGroup[];
  total: ReportGroup;
  suggestedCaps: CapSuggestion[];
  flags: HeavyTailFlag[];
}
