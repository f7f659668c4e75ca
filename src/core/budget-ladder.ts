import type { NanoUsd } from './money.js';

/** What a ladder stage does when spend reaches it. */
export type LadderAction = 'log' | 'notify' | 'downgrade' | 'stop';

/** Every LadderAction, e.g. for a config enum. */
export const ladderActions: readonly LadderAction[] = ['log', 'notify', 'downgrade', 'stop'];

/** One rung: at `atPercent` of the limit (fractions to 4 decimal places, e.g. 12.5), do `actions`. */
export interface LadderStage {
  atPercent: number;
  actions: readonly LadderAction[];
}

/** Stages of one budget, e.g. 50% log, 80% notify and downgrade, 100% stop. Any order. */
export type BudgetLadder = readonly LadderStage[];

/** A stage and the spend, in nano-USD, at which it is reached. */
export interface StageCrossing {
  stage: LadderStage;
  thresholdInNanoUsd: NanoUsd;
}

/** Input of stagesCrossed: spend on one budget line before and after a charge. */
export interface StagesCrossedOptions {
  ladder: BudgetLadder;
  limitInNanoUsd: NanoUsd;
  beforeInNanoUsd: NanoUsd;
  afterInNanoUsd: NanoUsd;
}

/** Input of activeStage and activeActions. */
export interface ActiveStageOptions {
  ladder: BudgetLadder;
  limitInNanoUsd: NanoUsd;
  /** What counts as used, e.g. committed + reserved. */
  spentInNanoUsd: NanoUsd;
}

const millionthsPerPercent = 10_000;
const millionthsPerWhole = 1_000_000;

/**
 * The spend at which a stage is reached: floor(limit × percent / 100), exact in integers.
 * Percent is read to 4 decimal places, so 12.5% of $1 is exactly $0.125.
 */
export function stageThresholdInNanoUsd(limitInNanoUsd: NanoUsd, atPercent: number): NanoUsd {
  const millionths = Math.round(atPercent * millionthsPerPercent);
  const product = limitInNanoUsd * millionths;
  if (Number.isSafeInteger(product)) return Math.floor(product / millionthsPerWhole);
  return Number((BigInt(limitInNanoUsd) * BigInt(millionths)) / BigInt(millionthsPerWhole));
}

/**
 * Stages a change of spend from `before` to `after` crossed: threshold in (before, after],
 * lowest first. A stage with threshold 0 is never crossed, only active.
 * @example stagesCrossed({ ladder, limitInNanoUsd, beforeInNanoUsd: 79e7, afterInNanoUsd: 81e7 })
 */
export function stagesCrossed(options: StagesCrossedOptions): StageCrossing[] {
  const { ladder, limitInNanoUsd, beforeInNanoUsd, afterInNanoUsd } = options;
  const crossings: StageCrossing[] = [];
  if (afterInNanoUsd <= beforeInNanoUsd) return crossings;
  for (const stage of ladder) {
    const thresholdInNanoUsd = stageThresholdInNanoUsd(limitInNanoUsd, stage.atPercent);
    if (thresholdInNanoUsd > beforeInNanoUsd && thresholdInNanoUsd <= afterInNanoUsd) {
      crossings.push({ stage, thresholdInNanoUsd });
    }
  }
  return crossings.sort((a, b) => a.thresholdInNanoUsd - b.thresholdInNanoUsd);
}

/** The highest stage whose threshold `spent` has reached, or undefined; used to downgrade before a call. */
export function activeStage(options: ActiveStageOptions): LadderStage | undefined {
  const { ladder, limitInNanoUsd, spentInNanoUsd } = options;
  let active: StageCrossing | undefined;
  for (const stage of ladder) {
    const thresholdInNanoUsd = stageThresholdInNanoUsd(limitInNanoUsd, stage.atPercent);
    if (thresholdInNanoUsd <= spentInNanoUsd && (active === undefined || thresholdInNanoUsd >= active.thresholdInNanoUsd)) {
      active = { stage, thresholdInNanoUsd };
    }
  }
  return active?.stage;
}

/** Every action of every stage `spent` has reached, in ladder order, without repeats. */
export function activeActions(options: ActiveStageOptions): LadderAction[] {
  const { ladder, limitInNanoUsd, spentInNanoUsd } = options;
  const actions = new Set<LadderAction>();
  for (const stage of ladder) {
    if (stageThresholdInNanoUsd(limitInNanoUsd, stage.atPercent) > spentInNanoUsd) continue;
    for (const action of stage.actions) actions.add(action);
  }
  return [...actions];
}

/**
 * Key for Store.claimMark, so a stage fires once per window across replicas:
 * `team:research|day|2026-11-22|at:80`. Claim it with the window's end as expiry.
 */
export function markKey(lineKey: string, stage: Pick<LadderStage, 'atPercent'>): string {
  return `${lineKey}|at:${Math.round(stage.atPercent * millionthsPerPercent) / millionthsPerPercent}`;
}
