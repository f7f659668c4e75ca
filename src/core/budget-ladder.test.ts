import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  activeActions,
  activeStage,
  markKey,
  stagesCrossed,
  stageThresholdInNanoUsd,
  type BudgetLadder,
} from './budget-ladder.js';
import { nanoUsdPerUsd } from './money.js';

const ladder: BudgetLadder = [
  { atPercent: 50, actions: ['log'] },
  { atPercent: 80, actions: ['notify', 'downgrade'] },
  { atPercent: 100, actions: ['stop'] },
];
const tenDollars = 10 * nanoUsdPerUsd;
const usd = (amount: number) => Math.round(amount * nanoUsdPerUsd);
const percentsCrossed = (before: number, after: number, stages: BudgetLadder = ladder, limitInNanoUsd = tenDollars) =>
  stagesCrossed({ ladder: stages, limitInNanoUsd, beforeInNanoUsd: before, afterInNanoUsd: after }).map((crossing) => crossing.stage.atPercent);

describe('stageThresholdInNanoUsd', () => {
  it('computes floor(limit × percent / 100) exactly, fractional percents included', () => {
    expect(stageThresholdInNanoUsd(tenDollars, 80)).toBe(usd(8));
    expect(stageThresholdInNanoUsd(nanoUsdPerUsd, 12.5)).toBe(125_000_000);
    // 0.1 + 0.2 style drift would give 33_299_999 here.
    expect(stageThresholdInNanoUsd(100_000_000, 33.3)).toBe(33_300_000);
    expect(stageThresholdInNanoUsd(7, 50)).toBe(3);
    expect(stageThresholdInNanoUsd(1, 99.9999)).toBe(0);
    expect(stageThresholdInNanoUsd(tenDollars, 100)).toBe(tenDollars);
    expect(stageThresholdInNanoUsd(tenDollars, 150)).toBe(usd(15));
  });

  it('stays exact for limits whose product with the percent passes 2^53', () => {
    const limitInNanoUsd = 9_000_000_000_000_001;
    expect(stageThresholdInNanoUsd(limitInNanoUsd, 12.5)).toBe(Number((BigInt(limitInNanoUsd) * 125_000n) / 1_000_000n));
  });
});

describe('stagesCrossed', () => {
  it('returns the stages whose threshold lies in (before, after]', () => {
    expect(percentsCrossed(usd(4), usd(6))).toEqual([50]);
    expect(percentsCrossed(usd(5), usd(6))).toEqual([]);
    expect(percentsCrossed(usd(4.999999999), usd(5))).toEqual([50]);
    expect(percentsCrossed(usd(8), usd(8))).toEqual([]);
  });

  it('returns every stage one large charge jumps over, lowest first, with its threshold', () => {
    const shuffled: BudgetLadder = [ladder[2]!, ladder[0]!, ladder[1]!];
    const crossings = stagesCrossed({ ladder: shuffled, limitInNanoUsd: tenDollars, beforeInNanoUsd: 0, afterInNanoUsd: usd(12) });
    expect(crossings).toEqual([
      { stage: ladder[0], thresholdInNanoUsd: usd(5) },
      { stage: ladder[1], thresholdInNanoUsd: usd(8) },
      { stage: ladder[2], thresholdInNanoUsd: usd(10) },
    ]);
  });

  it('crosses nothing when spend does not grow', () => {
    expect(percentsCrossed(usd(9), usd(2))).toEqual([]);
  });

  it('never crosses a stage whose threshold rounds to zero', () => {
    expect(percentsCrossed(0, 5, [{ atPercent: 10, actions: ['log'] }], 5)).toEqual([]);
  });

  it('fires each stage exactly once over any sequence of growing spend', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: usd(3) }), { maxLength: 30 }), (charges) => {
        let spent = 0;
        const fired: number[] = [];
        for (const charge of charges) {
          fired.push(...percentsCrossed(spent, spent + charge));
          spent += charge;
        }
        const reached = ladder.filter((stage) => stageThresholdInNanoUsd(tenDollars, stage.atPercent) <= spent).map((stage) => stage.atPercent);
        expect(fired).toEqual(reached);
      }),
      { seed: 50_80_100 },
    );
  });
});

describe('activeStage and activeActions', () => {
  it('returns the highest stage reached, or undefined before the first', () => {
    expect(activeStage({ ladder, limitInNanoUsd: tenDollars, spentInNanoUsd: usd(4.99) })).toBeUndefined();
    expect(activeStage({ ladder, limitInNanoUsd: tenDollars, spentInNanoUsd: usd(5) })).toBe(ladder[0]);
    expect(activeStage({ ladder, limitInNanoUsd: tenDollars, spentInNanoUsd: usd(9.5) })).toBe(ladder[1]);
    expect(activeStage({ ladder: [...ladder].reverse(), limitInNanoUsd: tenDollars, spentInNanoUsd: usd(11) })).toBe(ladder[2]);
  });

  it('treats every stage of a zero limit as reached', () => {
    expect(activeStage({ ladder, limitInNanoUsd: 0, spentInNanoUsd: 0 })).toBe(ladder[2]);
  });

  it('collects the actions of all reached stages, so downgrade still applies past 100%', () => {
    expect(activeActions({ ladder, limitInNanoUsd: tenDollars, spentInNanoUsd: usd(10) })).toEqual(['log', 'notify', 'downgrade', 'stop']);
    expect(activeActions({ ladder, limitInNanoUsd: tenDollars, spentInNanoUsd: usd(6) })).toEqual(['log']);
    expect(activeActions({ ladder, limitInNanoUsd: tenDollars, spentInNanoUsd: 0 })).toEqual([]);
  });
});

describe('markKey', () => {
  it('extends the line key with the stage percent', () => {
    expect(markKey('team:research|day|2026-11-22', ladder[1]!)).toBe('team:research|day|2026-11-22|at:80');
    expect(markKey('team:research|day|2026-11-22', { atPercent: 12.5 })).toBe('team:research|day|2026-11-22|at:12.5');
  });

  it('gives the same key for percents the threshold cannot tell apart, and different keys otherwise', () => {
    expect(markKey('k', { atPercent: 0.1 + 0.2 })).toBe(markKey('k', { atPercent: 0.3 }));
    expect(markKey('k', { atPercent: 80 })).not.toBe(markKey('k', { atPercent: 100 }));
  });
});
