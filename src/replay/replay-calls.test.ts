import { describe, expect, it } from 'vitest';
import type { LedgerRow } from '../core/ledger-event.js';
import { parseConfig, type WardenConfigInput } from '../core/parse-config.js';
import { createPriceCatalogue } from '../core/price-catalogue.js';
import { createUsage } from '../core/usage.js';
import { replayCallFromRow, type ReplayCall } from './replay-call.js';
import { replayCalls } from './replay-calls.js';

// Prices per token: big 10,000 nano in / 30,000 out; small 1,000 / 3,000. Every call uses 100
// input and 50 output tokens: 2,500,000 nano on big, 250,000 on small.
const prices = { big: { input: 10, output: 30 }, small: { input: 1, output: 3 } };
const usage = createUsage({ inputTokens: 100, outputTokens: 50 });
const onBig = 2_500_000;
const onSmall = 250_000;

let sequence = 0;
function commitRow(fields: Partial<LedgerRow> & { at: string }): LedgerRow {
  const { at, ...rest } = fields;
  sequence += 1;
  return { type: 'reservation-commit', sequence, timeInMs: Date.parse(at), org: 'acme', requestedModel: 'big', model: 'big', provider: 'openai', usage, costInNanoUsd: onBig, status: 'ok', data: {}, ...rest };
}

function replay(rows: LedgerRow[], candidate: WardenConfigInput, liveRefusals = 0) {
  const config = parseConfig({ prices: { overrides: prices }, ...candidate });
  const calls = rows.map(replayCallFromRow).filter((call): call is ReplayCall => call !== undefined);
  return replayCalls({ config, catalogue: createPriceCatalogue({ clock: { now: () => 0 }, overrides: config.prices.overrides }), calls, liveRefusals });
}

/**
 * research (task type summarize): 10 calls on 2026-11-10 at noon UTC, and 4 more from 23:30 UTC,
 * which is already 2026-11-11 in Berlin. ops (task type triage): `auto` calls routed to big live,
 * two of them identical (fingerprint A), then B, then a live cache hit on B.
 */
function seededLedger(): LedgerRow[] {
  sequence = 0;
  const research = (at: string, index: number, withFingerprint: boolean) =>
    commitRow({ at, requestId: `r${index}`, team: 'research', taskType: 'summarize', taskId: `t${index}`, ...(withFingerprint ? { requestFingerprint: `fp-r${index}` } : {}) });
  const ops = (at: string, fingerprint: string) => commitRow({ at, team: 'ops', taskType: 'triage', requestFingerprint: fingerprint, data: { tier: 'premium', routedFrom: 'auto', routeReason: 'default-tier' } });
  return [
    ...Array.from({ length: 10 }, (_, index) => research(`2026-11-10T12:0${index}:00Z`, index, true)),
    ops('2026-11-10T12:10:00Z', 'A'),
    ops('2026-11-10T12:11:00Z', 'A'),
    ops('2026-11-10T12:12:00Z', 'B'),
    commitRow({ at: '2026-11-10T12:13:00Z', type: 'cache-serve', team: 'ops', taskType: 'triage', requestedModel: 'auto', costInNanoUsd: 0, status: 'cached', requestFingerprint: 'B', data: { cache: 'hit', savedInNanoUsd: onBig } }),
    ...Array.from({ length: 4 }, (_, index) => research(`2026-11-10T23:3${index}:00Z`, 10 + index, false)),
  ];
}

const candidate: WardenConfigInput = {
  timeZone: 'Europe/Berlin',
  budgets: [{ scope: 'team:research', window: 'day', hard: '0.006', soft: '0.004' }],
  downgrades: { big: 'small' },
  tiers: { premium: ['big'], fast: ['small'] },
  routing: { defaultTier: 'fast', rules: [{ when: { taskType: 'summarize' }, tier: 'premium' }] },
  cache: { enabled: true, ttlInSeconds: 300 },
};

describe('replayCalls', () => {
  it('reports the savings of a candidate policy exactly, computed by hand', () => {
    const report = replay(seededLedger(), candidate, 2);
    // research, Berlin day 2026-11-10 (soft $0.004, hard $0.006), committed before each call:
    //   0 → big (2.5M); 2.5M → big (5M); 5M ≥ soft → small ×4 (5.25M, 5.5M, 5.75M, 6M);
    //   6M + 0.25M > 6M → the last 4 refused. Candidate 2 × 2.5M + 4 × 0.25M = 6M of 25M live.
    // research, Berlin day 2026-11-11 (a new counter): big, big, small, small = 5.5M of 10M live.
    // ops: auto → defaultTier fast → small. A: 0.25M; A again within 300 s: cache (saves 0.25M);
    //   B: 0.25M; the live hit on B: cache again (saves 0.25M). 0.5M of 7.5M live.
    expect(report.totals).toEqual({
      calls: 18,
      liveSpendInNanoUsd: 35_000_000 + 7_500_000,
      candidateSpendInNanoUsd: 11_500_000 + 500_000,
      savingInNanoUsd: 30_500_000,
      refused: 4,
      downgraded: 6,
      rerouted: 2,
      cached: 2,
      cacheSavingInNanoUsd: 2 * onSmall,
    });
    expect(report.byTeam).toEqual([
      { team: 'research', calls: 14, liveSpendInNanoUsd: 35_000_000, candidateSpendInNanoUsd: 11_500_000, savingInNanoUsd: 23_500_000, refused: 4, downgraded: 6, rerouted: 0, cached: 0 },
      { team: 'ops', calls: 4, liveSpendInNanoUsd: 7_500_000, candidateSpendInNanoUsd: 500_000, savingInNanoUsd: 7_000_000, refused: 0, downgraded: 0, rerouted: 2, cached: 2 },
    ]);
    expect(report.byTaskType.map((group) => [group.taskType, group.candidateSpendInNanoUsd])).toEqual([
      ['summarize', 11_500_000],
      ['triage', 500_000],
    ]);
    expect(report.modelChanges).toEqual([
      { fromModel: 'big', toModel: 'small', reason: 'soft-limit', calls: 6, liveSpendInNanoUsd: 6 * onBig, candidateSpendInNanoUsd: 6 * onSmall },
      { fromModel: 'big', toModel: 'small', reason: 'routing', calls: 2, liveSpendInNanoUsd: 2 * onBig, candidateSpendInNanoUsd: 2 * onSmall },
    ]);
    expect(report.notes).toEqual({ liveRefusals: 2, liveCached: 1, withoutFingerprint: 4, routingNotEvaluable: 0, unroutable: 0, fallbacksKept: 0, movedWithoutUsage: 0 });
    expect(report.assumptions.join('\n')).toContain('keeps its token counts');
  });

  it('counts refusals per window instance, in the candidate time zone', () => {
    const { refusals } = replay(seededLedger(), candidate);
    expect(refusals).toEqual([{ code: 'budget_exceeded', scope: 'team:research', window: 'day', windowLabel: '2026-11-10', calls: 4, liveSpendInNanoUsd: 4 * onBig }]);
    // In UTC the late calls are the same day as the noon ones: all four of them are refused too.
    const inUtc = replay(seededLedger(), { ...candidate, timeZone: 'UTC' });
    expect(inUtc.refusals).toEqual([{ code: 'budget_exceeded', scope: 'team:research', window: 'day', windowLabel: '2026-11-10', calls: 8, liveSpendInNanoUsd: 8 * onBig }]);
  });

  it('refuses on a call limit, and prices a downgrade at the cheaper model whatever the live model cost', () => {
    const rows = [1, 2, 3].map((index) => commitRow({ at: `2026-11-10T10:0${index}:00Z`, team: 'ops', taskId: 'task-1', taskType: 'triage' }));
    const report = replay(rows, { taskTypes: { triage: { maxLlmCalls: 2, downgrades: { big: 'small' }, budget: { soft: '0.000001' } } } });
    // The first call finds nothing spent (big); the second is past the soft limit (small); the third is the task's third call.
    expect(report.totals).toMatchObject({ calls: 3, refused: 1, downgraded: 1, candidateSpendInNanoUsd: onBig + onSmall });
    expect(report.refusals).toEqual([{ code: 'call_limit_exceeded', scope: 'task:task-1', window: 'total', windowLabel: 'all', calls: 1, liveSpendInNanoUsd: onBig }]);
  });

  it('serves repeated fingerprints from the cache within the TTL only, and only for the same team', () => {
    const rows = [
      commitRow({ at: '2026-11-10T10:00:00Z', team: 'a', requestFingerprint: 'same' }),
      commitRow({ at: '2026-11-10T10:04:59Z', team: 'a', requestFingerprint: 'same' }),
      commitRow({ at: '2026-11-10T10:05:00Z', team: 'b', requestFingerprint: 'same' }),
      commitRow({ at: '2026-11-10T10:10:00Z', team: 'a', requestFingerprint: 'same' }),
      commitRow({ at: '2026-11-10T10:10:01Z', team: 'a', requestFingerprint: 'failed', status: 'upstream_error' }),
      commitRow({ at: '2026-11-10T10:10:02Z', team: 'a', requestFingerprint: 'failed' }),
    ];
    const report = replay(rows, { cache: { enabled: true, ttlInSeconds: 300 } });
    // Hit at 10:04:59 (< 300 s after 10:00); team b is another owner; 10:10 is 301 s after the
    // last answer (10:04:59 was served from cache, not stored again); a failed answer is not cached.
    expect(report.totals).toMatchObject({ calls: 6, cached: 1, candidateSpendInNanoUsd: 5 * onBig, cacheSavingInNanoUsd: onBig });
    expect(replay(rows, {}).totals).toMatchObject({ cached: 0, candidateSpendInNanoUsd: 6 * onBig, savingInNanoUsd: 0 });
  });

  it('keeps the live model where the ledger cannot say how routing would go', () => {
    const rows = [
      commitRow({ at: '2026-11-10T10:00:00Z', data: { tier: 'premium', routedFrom: 'auto' } }),
      commitRow({ at: '2026-11-10T10:01:00Z', requestedModel: 'big', model: 'big', data: { fallbacks: 1, fallbackFrom: ['other'], tier: 'fast', routedFrom: 'fast' } }),
      commitRow({ at: '2026-11-10T10:02:00Z', data: { tier: 'gone', routedFrom: 'gone', routeReason: 'tier-name' } }),
      commitRow({ at: '2026-11-10T10:03:00Z', data: { tier: 'gone', routedFrom: 'big', routeReason: 'tier-header' } }),
      // The x-warden-tier header names a tier the candidate has: the call goes to its first model.
      commitRow({ at: '2026-11-10T10:04:00Z', data: { tier: 'fast', routedFrom: 'big', routeReason: 'tier-header' } }),
    ];
    const report = replay(rows, { tiers: { fast: ['small'] }, routing: { defaultTier: 'fast', rules: [{ when: { keywords: ['urgent'] }, model: 'big' }] } });
    expect(report.totals).toMatchObject({ rerouted: 1, candidateSpendInNanoUsd: 4 * onBig + onSmall });
    expect(report.notes).toMatchObject({ routingNotEvaluable: 1, fallbacksKept: 1, unroutable: 2 });
  });
});
