/** Source of the current time, passed in so core stays pure and tests can fake it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A clock tests move by hand. */
export function createManualClock(startInMs = 0): Clock & { advance(deltaInMs: number): void; set(timeInMs: number): void } {
  let current = startInMs;
  return {
    now: () => current,
    advance: (deltaInMs) => {
      current += deltaInMs;
    },
    set: (timeInMs) => {
      current = timeInMs;
    },
  };
}
