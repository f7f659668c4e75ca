import type { Clock } from '../core/clock.js';

/** The wall clock, the default for stores; tests pass createManualClock() instead. */
export const systemClock: Clock = { now: () => Date.now() };
