/** A source of uniform numbers in [0, 1); the planner takes one instead of reading Math.random. */
export type Random = () => number;

/**
 * A small deterministic PRNG (mulberry32): the same seed gives the same stream, so plans replay.
 * @example const random = createSeededRandom(42); random(); // 0.6011…
 */
export function createSeededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seed for sub-stream `index` of a sample, well spread even for neighbouring inputs (a murmur3 finaliser). */
export function mixSeed(seed: number, index: number): number {
  let mixed = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}
