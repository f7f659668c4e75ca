import type { createManualClock } from '../../src/core/clock.js';
import type { BudgetLine, ReserveRequest, Store } from '../../src/core/store.js';

export type ManualClock = ReturnType<typeof createManualClock>;

/** Opens a fresh, empty store on the given clock. */
export type MakeStore = (clock: ManualClock) => Promise<Store>;

export interface LineOptions {
  limitInNanoUsd?: number;
  callLimit?: number;
  windowEndInMs?: number;
}

/** A day line of team `name`, with optional limits. */
export function budgetLine(name: string, options: LineOptions = {}): BudgetLine {
  return {
    key: `team:${name}|day|1970-01-01`,
    scope: `team:${name}`,
    window: 'day',
    windowStartInMs: 0,
    windowEndInMs: options.windowEndInMs ?? 86_400_000,
    limitInNanoUsd: options.limitInNanoUsd,
    callLimit: options.callLimit,
  };
}

export function reserveRequest(reservationId: string, lines: BudgetLine[], amountInNanoUsd: number, leaseExpiresAtInMs = 60_000): ReserveRequest {
  return { reservationId, lines, amountInNanoUsd, leaseExpiresAtInMs };
}
