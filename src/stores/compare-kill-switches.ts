import type { KillSwitch } from '../core/control-records.js';

/** The order stores list kill switches in: oldest first, ties by target. */
export function compareKillSwitches(left: KillSwitch, right: KillSwitch): number {
  if (left.atInMs !== right.atInMs) return left.atInMs - right.atInMs;
  if (left.target === right.target) return 0;
  return left.target < right.target ? -1 : 1;
}
