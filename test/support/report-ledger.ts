import type { LedgerEvent } from '../../src/core/ledger-event.js';
import type { CostReport, ReportGroup } from '../../src/reports/cost-report.js';

/**
 * A ledger with known distributions for the cost report tests, over November 2026 (UTC).
 *
 * - search (team alpha): tasks s1…s20, task si one call costing i × 1,000 nano-USD, at
 *   (i − 1) × 12 h, users u1 (odd i) and u2 (even i): 10 user-days each. s20's call failed once
 *   (a release) and its retry cost the 20,000. s1…s5 went through tier "fast". A cache hit in s1
 *   saved 1,000; a budget refusal in s2. Outcomes: s1…s10 success, s11…s15 failure (s15 said
 *   success first), s16…s20 none.
 * - research (team beta): tasks r1…r4 costing 1,000, 1,000, 1,000 and 97,000 (a heavy tail), no
 *   users; a kill-switch refusal in r4; r1 succeeded.
 * - one call without a task or a task type (team alpha, user u3, day 0) costing 5,000.
 * - rows the report must not read: before the period, at its end, and of other types.
 */
export const reportPeriod = { sinceInMs: Date.UTC(2026, 10, 1), untilInMs: Date.UTC(2026, 11, 1) };

const hourInMs = 3_600_000;
const at = (hours: number, extraInMs = 0): number => reportPeriod.sinceInMs + hours * hourInMs + extraInMs;

export function reportLedgerEvents(): LedgerEvent[] {
  const events: LedgerEvent[] = [];
  const usage = { inputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWriteLongTokens: 0, outputTokens: 10, reasoningTokens: 0 };
  for (let index = 1; index <= 20; index += 1) {
    const base = {
      timeInMs: at((index - 1) * 12),
      requestId: `q-s${index}`,
      taskId: `s${index}`,
      taskType: 'search',
      team: 'alpha',
      keyId: 'key_alpha',
      user: index % 2 === 1 ? 'u1' : 'u2',
      requestedModel: 'gpt-4o-mini',
      model: 'gpt-4o-mini',
      tags: { feature: index <= 10 ? 'lookup' : 'browse' },
    } satisfies Partial<LedgerEvent>;
    const data = { reservationId: `res-s${index}`, ...(index <= 5 ? { tier: 'fast' } : {}) };
    if (index === 20) {
      events.push({ ...base, type: 'reservation-release', costInNanoUsd: 0, status: 'upstream_error', errorCode: 'http_500', retries: 0, data: { ...data, reservationId: 'res-s20-first' } });
      events.push({ ...base, type: 'call-retry', retries: 0, data: { attempt: 1 } });
      events.push({ ...base, timeInMs: base.timeInMs + 1, type: 'reservation-commit', usage, costInNanoUsd: 20_000, status: 'ok', retries: 1, data });
    } else {
      events.push({ ...base, type: 'reservation-commit', usage, costInNanoUsd: index * 1_000, status: 'ok', retries: 0, data });
    }
  }
  events.push({ type: 'cache-serve', timeInMs: at(1), requestId: 'q-cache', taskId: 's1', taskType: 'search', team: 'alpha', keyId: 'key_alpha', user: 'u1', requestedModel: 'gpt-4o-mini', model: 'gpt-4o-mini', costInNanoUsd: 0, status: 'cached', data: { cache: 'hit', savedInNanoUsd: 1_000 } });
  events.push({ type: 'call-refuse', timeInMs: at(13), requestId: 'q-broke', taskId: 's2', taskType: 'search', team: 'alpha', keyId: 'key_alpha', user: 'u2', requestedModel: 'gpt-4o', status: 'refused', errorCode: 'budget_exceeded', data: { message: 'over budget' } });
  for (let index = 1; index <= 15; index += 1) {
    if (index === 15) events.push({ type: 'task-finish', timeInMs: at(240), taskId: 's15', data: { outcome: 'success', by: 'sdk' } });
    events.push({ type: 'task-finish', timeInMs: at(241), taskId: `s${index}`, taskType: 'search', data: { outcome: index <= 10 ? 'success' : 'failure', by: 'sdk' } });
  }

  const researchCosts = [1_000, 1_000, 1_000, 97_000];
  researchCosts.forEach((costInNanoUsd, position) => {
    const index = position + 1;
    events.push({ type: 'reservation-commit', timeInMs: at(300 + index), requestId: `q-r${index}`, taskId: `r${index}`, taskType: 'research', team: 'beta', keyId: 'key_beta', requestedModel: 'claude-sonnet-4-5', model: 'claude-sonnet-4-5', usage, costInNanoUsd, status: 'ok', retries: 0, data: { reservationId: `res-r${index}` } });
  });
  events.push({ type: 'call-refuse', timeInMs: at(310), requestId: 'q-killed', taskId: 'r4', taskType: 'research', team: 'beta', keyId: 'key_beta', requestedModel: 'claude-sonnet-4-5', status: 'refused', errorCode: 'kill_switch', data: { message: 'killed' } });
  events.push({ type: 'task-finish', timeInMs: at(320), taskId: 'r1', data: { outcome: 'success', by: 'admin', note: 'shipped' } });

  events.push({ type: 'reservation-commit', timeInMs: at(2), requestId: 'q-loose', team: 'alpha', keyId: 'key_alpha', user: 'u3', requestedModel: 'gpt-4o-mini', model: 'gpt-4o-mini', usage, costInNanoUsd: 5_000, status: 'ok', retries: 0, data: { reservationId: 'res-loose' } });

  events.push({ type: 'reservation-commit', timeInMs: reportPeriod.sinceInMs - 1, requestId: 'q-before', taskId: 's1', taskType: 'search', team: 'alpha', costInNanoUsd: 999_999, status: 'ok', retries: 0 });
  events.push({ type: 'reservation-commit', timeInMs: reportPeriod.untilInMs, requestId: 'q-after', taskId: 's1', taskType: 'search', team: 'alpha', costInNanoUsd: 999_999, status: 'ok', retries: 0 });
  events.push({ type: 'reservation-create', timeInMs: at(5), requestId: 'q-open', taskId: 's3', taskType: 'search', team: 'alpha', reservedInNanoUsd: 50_000, data: { reservationId: 'res-open' } });
  events.push({ type: 'budget-cross', timeInMs: at(6), requestId: 'q-s3', data: { scope: 'team:alpha', atPercent: 80 } });
  events.push({ type: 'key-create', timeInMs: at(0), keyId: 'key_alpha', team: 'alpha' });
  return events;
}

/** The figures of a group nothing happened in, to spread the ones that did over. */
const empty: Omit<ReportGroup, 'key'> = {
  calls: 0,
  okCalls: 0,
  okRate: null,
  tasks: 0,
  tasksWithOutcome: 0,
  successfulTasks: 0,
  successRate: null,
  costPerTask: null,
  spendInNanoUsd: 0,
  costPerSuccessInNanoUsd: null,
  userDays: 0,
  costPerUserDayInNanoUsd: null,
  tiers: {},
  budgetCapHits: 0,
  budgetCapHitRate: null,
  refusalsByCode: {},
  cacheHits: 0,
  cacheSavingsInNanoUsd: 0,
  retrySpendInNanoUsd: 0,
  retryShareOfSpend: null,
};

/** Every figure of the report ledger by task type, worked out by hand (see test/support/report-ledger.ts). */
export const expectedByTaskType: CostReport = {
  by: 'task-type',
  ...reportPeriod,
  percentileMethod: 'nearest-rank',
  // 21 search settle rows, 1 cache hit, 2 refusals, 17 task-finish, 4 research commits, the loose call.
  rowsScanned: 46,
  groups: [
    {
      ...empty,
      key: 'search',
      calls: 22,
      okCalls: 21,
      okRate: 21 / 22,
      tasks: 20,
      tasksWithOutcome: 15,
      successfulTasks: 10,
      successRate: 10 / 15,
      // Costs 1,000 … 20,000: p50 is rank ⌈10⌉ = 10, p95 rank ⌈19⌉ = 19, p99 rank ⌈19.8⌉ = 20.
      costPerTask: { meanInNanoUsd: 10_500, p50InNanoUsd: 10_000, p95InNanoUsd: 19_000, p99InNanoUsd: 20_000, maxInNanoUsd: 20_000 },
      spendInNanoUsd: 210_000,
      costPerSuccessInNanoUsd: 21_000,
      userDays: 20,
      costPerUserDayInNanoUsd: 10_500,
      tiers: { '(none)': 17, fast: 5 },
      budgetCapHits: 1,
      budgetCapHitRate: 1 / 22,
      refusalsByCode: { budget_exceeded: 1 },
      cacheHits: 1,
      cacheSavingsInNanoUsd: 1_000,
      retrySpendInNanoUsd: 20_000,
      retryShareOfSpend: 20_000 / 210_000,
    },
    {
      ...empty,
      key: 'research',
      calls: 5,
      okCalls: 4,
      okRate: 0.8,
      tasks: 4,
      tasksWithOutcome: 1,
      successfulTasks: 1,
      successRate: 1,
      // 1,000 1,000 1,000 97,000: p50 rank 2, p95 rank ⌈3.8⌉ = 4.
      costPerTask: { meanInNanoUsd: 25_000, p50InNanoUsd: 1_000, p95InNanoUsd: 97_000, p99InNanoUsd: 97_000, maxInNanoUsd: 97_000 },
      spendInNanoUsd: 100_000,
      costPerSuccessInNanoUsd: 100_000,
      tiers: { '(none)': 5 },
      budgetCapHitRate: 0,
      refusalsByCode: { kill_switch: 1 },
      retryShareOfSpend: 0,
    },
    {
      ...empty,
      key: '(none)',
      calls: 1,
      okCalls: 1,
      okRate: 1,
      spendInNanoUsd: 5_000,
      userDays: 1,
      costPerUserDayInNanoUsd: 5_000,
      tiers: { '(none)': 1 },
      budgetCapHitRate: 0,
      retryShareOfSpend: 0,
    },
  ],
  total: {
    key: '(all)',
    calls: 28,
    okCalls: 26,
    okRate: 26 / 28,
    tasks: 24,
    tasksWithOutcome: 16,
    successfulTasks: 11,
    successRate: 11 / 16,
    // 1,000 ×4, 2,000 … 20,000, 97,000: mean 310,000 / 24 = 12,916.67; p50 rank 12; p95 rank ⌈22.8⌉ = 23; p99 rank ⌈23.76⌉ = 24.
    costPerTask: { meanInNanoUsd: 12_917, p50InNanoUsd: 9_000, p95InNanoUsd: 20_000, p99InNanoUsd: 97_000, maxInNanoUsd: 97_000 },
    spendInNanoUsd: 315_000,
    costPerSuccessInNanoUsd: 28_636,
    userDays: 21,
    costPerUserDayInNanoUsd: 10_238,
    tiers: { '(none)': 23, fast: 5 },
    budgetCapHits: 1,
    budgetCapHitRate: 1 / 28,
    refusalsByCode: { budget_exceeded: 1, kill_switch: 1 },
    cacheHits: 1,
    cacheSavingsInNanoUsd: 1_000,
    retrySpendInNanoUsd: 20_000,
    retryShareOfSpend: 20_000 / 315_000,
  },
  suggestedCaps: [
    { group: 'search', tasks: 20, p99InNanoUsd: 20_000, capInNanoUsd: 24_000, configPath: 'taskTypes.search.budget.hard' },
    { group: 'research', tasks: 4, p99InNanoUsd: 97_000, capInNanoUsd: 120_000, configPath: 'taskTypes.research.budget.hard' },
  ],
  flags: [{ group: 'research', kind: 'heavy-tail', meanInNanoUsd: 25_000, p95InNanoUsd: 97_000, ratio: 3.88 }],
};
