import { describe, expect, it } from 'vitest';
import { nanoUsdPerUsd } from './money.js';
import { parseConfig } from './parse-config.js';
import { createSloEvaluator, type SloCallRow, type SloFinding } from './slo-evaluator.js';

const usd = (amount: number) => Math.round(amount * nanoUsdPerUsd);
const minuteInMs = 60_000;
// 2026-11-25 12:00 UTC, a Wednesday; the month ends Dec 1 00:00 UTC.
const noon = Date.UTC(2026, 10, 25, 12, 0, 0);
const noMonthly: ReadonlyMap<string, number> = new Map();

function evaluatorFor(slo: Record<string, unknown>) {
  const config = parseConfig({ slos: [{ name: 'review', ...slo }] });
  return createSloEvaluator({ slos: config.slos, org: config.org, timeZone: 'UTC' });
}

/** Feeds one call per task in `minute`, task ids unique to the minute unless given. */
function feedMinute(evaluator: ReturnType<typeof evaluatorFor>, minute: number, costs: readonly number[], extra: Partial<SloCallRow> = {}): void {
  costs.forEach((cost, index) => evaluator.observe({ timeInMs: noon + minute * minuteInMs + index, costInNanoUsd: usd(cost), taskId: `m${minute}-t${index}`, taskType: 'code-review', ...extra }));
}

/** Judges every minute up to and including `minute` (with the evaluator's 10 s grace). */
function judgeThrough(evaluator: ReturnType<typeof evaluatorFor>, minute: number, monthToDate = noMonthly): SloFinding[] {
  return evaluator.evaluate({ nowInMs: noon + (minute + 1) * minuteInMs + 10_000, monthToDate });
}

describe('createSloEvaluator: sustained overruns', () => {
  it('does not alert on a single expensive minute', () => {
    const evaluator = evaluatorFor({ taskType: 'code-review', targetPerTask: '0.40', sustainedMinutes: 5 });
    const findings: SloFinding[] = [];
    for (let minute = 0; minute < 10; minute += 1) {
      feedMinute(evaluator, minute, minute === 4 ? [5, 5, 5] : [0.1, 0.2, 0.3]);
      findings.push(...judgeThrough(evaluator, minute));
    }
    expect(findings).toEqual([]);
  });

  it('alerts once when the mean stays over the target for five minutes, and again after a new episode', () => {
    const evaluator = evaluatorFor({ taskType: 'code-review', targetPerTask: '0.40', sustainedMinutes: 5 });
    const overMinutes = new Set([2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16]);
    const fired: Array<{ minute: number; finding: SloFinding }> = [];
    for (let minute = 0; minute < 18; minute += 1) {
      feedMinute(evaluator, minute, overMinutes.has(minute) ? [0.3, 0.5, 0.7] : [0.1, 0.2]);
      for (const finding of judgeThrough(evaluator, minute)) fired.push({ minute, finding });
    }
    expect(fired.map(({ minute }) => minute)).toEqual([6, 16]);
    const [first, second] = fired.map(({ finding }) => finding);
    expect(first?.kind).toBe('slo-overrun');
    expect(first?.markKey).toBe(`slo|review|overrun-mean|${(noon + 2 * minuteInMs) / minuteInMs}`);
    expect(second?.markKey).toBe(`slo|review|overrun-mean|${(noon + 12 * minuteInMs) / minuteInMs}`);
    // Mean of 0.3, 0.5 and 0.7.
    expect(first?.data).toMatchObject({ figure: 'mean', valueInNanoUsd: usd(0.5), boundInNanoUsd: usd(0.4), tasks: 3, minutes: 5 });
    expect(first?.message).toBe('SLO "review": the mean cost per task of "code-review" tasks has been above $0.4 for 5 minutes (last minute: $0.5 over 3 tasks).');
  });

  it('takes the p95 by nearest rank, and counts a task at its cost so far', () => {
    const evaluator = evaluatorFor({ p95PerTask: '18.5', sustainedMinutes: 1 });
    // 20 tasks costing $1 … $20: nearest rank ceil(0.95 × 20) = 19th, $19 > $18.50.
    feedMinute(evaluator, 0, Array.from({ length: 20 }, (_, index) => index + 1));
    const [finding] = judgeThrough(evaluator, 0);
    expect(finding?.data).toMatchObject({ figure: 'p95', valueInNanoUsd: usd(19), tasks: 20 });

    // One task over two minutes: in minute 1 it has cost $10 + $10 so far.
    const cumulative = evaluatorFor({ p95PerTask: '15', sustainedMinutes: 1 });
    cumulative.observe({ timeInMs: noon, costInNanoUsd: usd(10), taskId: 'long' });
    expect(judgeThrough(cumulative, 0)).toEqual([]);
    cumulative.observe({ timeInMs: noon + minuteInMs, costInNanoUsd: usd(10), taskId: 'long' });
    expect(judgeThrough(cumulative, 1)[0]?.data).toMatchObject({ valueInNanoUsd: usd(20), tasks: 1 });
  });

  it('judges only its task type and scope, and a minute with no tasks ends a streak', () => {
    const evaluator = evaluatorFor({ taskType: 'code-review', scope: 'team:platform', targetPerTask: '1', sustainedMinutes: 3 });
    const findings: SloFinding[] = [];
    for (let minute = 0; minute < 8; minute += 1) {
      feedMinute(evaluator, minute, [9], { taskType: 'other', team: 'platform' });
      feedMinute(evaluator, minute, [9], { team: 'research' });
      if (minute !== 2 && minute !== 5) feedMinute(evaluator, minute, [2], { team: 'platform' });
      findings.push(...judgeThrough(evaluator, minute));
    }
    // Over in 0, 1 | gap at 2 | over 3, 4 | gap at 5 | over 6, 7: never three in a row.
    expect(findings).toEqual([]);
  });

  it('waits for a minute to end (plus its grace) before judging it, and counts late rows in the task', () => {
    const evaluator = evaluatorFor({ targetPerTask: '1', sustainedMinutes: 1 });
    feedMinute(evaluator, 0, [5]);
    expect(evaluator.evaluate({ nowInMs: noon + minuteInMs + 5_000, monthToDate: noMonthly })).toEqual([]);
    expect(evaluator.evaluate({ nowInMs: noon + minuteInMs + 10_000, monthToDate: noMonthly })).toHaveLength(1);
  });
});

describe('createSloEvaluator: burn rate', () => {
  it('projects the last hours of spend to the day the monthly budget runs out', () => {
    const evaluator = evaluatorFor({ scope: 'team:platform', monthly: '1000', burnRateHours: 6 });
    // $60 over the last 6 hours: $10 an hour; $400 left lasts 40 hours, to Nov 27 04:00 UTC.
    for (let hour = 0; hour < 6; hour += 1) evaluator.observe({ timeInMs: noon - hour * 3_600_000 - 1, costInNanoUsd: usd(10), team: 'platform' });
    evaluator.observe({ timeInMs: noon - 1, costInNanoUsd: usd(500), team: 'research' });
    const findings = evaluator.evaluate({ nowInMs: noon, monthToDate: new Map([['review', usd(600)]]) });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'slo-burn-rate', markKey: 'slo|review|burn-rate|2026-11-25', data: { runsOutAtInMs: noon + 40 * 3_600_000, recentInNanoUsd: usd(60) } });
    expect(findings[0]?.message).toBe(
      'SLO "review": at the last 6 hours\' rate ($10/h) the monthly budget of $1000 for team:platform runs out on Nov 27, 4 days before the month ends ($600 spent so far).',
    );
    // Once a day.
    expect(evaluator.evaluate({ nowInMs: noon + 60_000, monthToDate: new Map([['review', usd(600)]]) })).toEqual([]);
  });

  it('stays quiet when the projection reaches past the end of the month', () => {
    const evaluator = evaluatorFor({ monthly: '1000', burnRateHours: 6 });
    evaluator.observe({ timeInMs: noon - 1, costInNanoUsd: usd(6) });
    // $1 an hour; $400 left lasts 400 hours, past Dec 1.
    expect(evaluator.evaluate({ nowInMs: noon, monthToDate: new Map([['review', usd(600)]]) })).toEqual([]);
  });
});

describe('SLO config', () => {
  it('turns a monthly budget and a cap per task into budgets', () => {
    const config = parseConfig({
      taskTypes: { 'code-review': { budget: { hard: '8' } } },
      slos: [
        { name: 'review', taskType: 'code-review', capPerTask: '5', scope: 'team:platform', monthly: '2000' },
        { name: 'everything', capPerTask: '20', monthly: '9000', stages: [{ atPercent: 90, actions: ['notify'] }] },
      ],
    });
    expect(config.taskTypes['code-review']?.budget?.hard).toBe(usd(5));
    expect(config.budgets).toEqual([
      { scope: 'team:platform', window: 'month', hard: usd(2000), clamp: true, ladder: [{ atPercent: 50, actions: ['log'] }, { atPercent: 80, actions: ['notify'] }, { atPercent: 100, actions: ['stop'] }] },
      { scope: 'org:default', window: 'month', soft: usd(9000), clamp: true, ladder: [{ atPercent: 90, actions: ['notify'] }] },
      { scope: 'task:*', window: 'task', hard: usd(20), clamp: true, ladder: [] },
    ]);
  });

  it('says what to fix in a bad SLO', () => {
    expect(() => parseConfig({ slos: [{ name: 'x' }] })).toThrow(/slos\[0\]: an SLO needs at least one of targetPerTask, p95PerTask, capPerTask or monthly/);
    expect(() => parseConfig({ slos: [{ name: 'x', monthly: '5', scope: 'team:*' }] })).toThrow(/write one SLO per team/);
    expect(() => parseConfig({ slos: [{ name: 'x', capPerTask: '5', taskType: 'nope' }] })).toThrow(/unknown task type "nope"; declare it under taskTypes/);
    expect(() => parseConfig({ alerts: { webhooks: [{ url: 'ftp://example.com' }] } })).toThrow(/expected an http\(s\) URL/);
  });
});
