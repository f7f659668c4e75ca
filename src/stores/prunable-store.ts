import type { Store } from '../core/store.js';

/** A Store that also lets its owner drop ended windows on demand (it does so on a timer too). */
export interface PrunableStore extends Store {
  /** Drops lines whose window ended and that hold no reservation, and expired marks. Returns the lines dropped. */
  prune(): Promise<number>;
}
