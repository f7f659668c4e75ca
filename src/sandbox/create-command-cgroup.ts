import { randomBytes } from 'node:crypto';
import type { CgroupLimits, CommandCgroup } from './command-cgroup.js';
import { createCgroupV1 } from './create-cgroup-v1.js';
import { createCgroupV2 } from './create-cgroup-v2.js';
import { readCgroupHierarchies, type CgroupHierarchy } from './parse-cgroup-hierarchies.js';

/**
 * A fresh cgroup holding the memory and process limits for one command's whole process tree:
 * cgroup v2 when the memory and pids controllers are delegated to Warden, else cgroup v1 when its
 * memory and pids hierarchies are writable, else why neither works (not root, no delegation, read-only cgroupfs).
 * @example const made = createCommandCgroup({ limits: { memoryInBytes: 2 ** 30, maxProcesses: 258 } });
 */
export function createCommandCgroup(options: {
  limits: CgroupLimits;
  /** Default: read from /proc/self/mountinfo and /proc/self/cgroup. */
  hierarchies?: readonly CgroupHierarchy[];
  /** Default: Warden's pid and random hex, unique across concurrent runs. */
  name?: string;
}): CommandCgroup | { unavailable: string } {
  const hierarchies = options.hierarchies ?? readCgroupHierarchies();
  if (hierarchies.length === 0) return { unavailable: 'no cgroup file system is mounted' };
  const request = { hierarchies, limits: options.limits, name: options.name ?? `${process.pid}-${randomBytes(4).toString('hex')}` };
  const v2 = createCgroupV2(request);
  if (!('unavailable' in v2)) return v2;
  const v1 = createCgroupV1(request);
  if (!('unavailable' in v1)) return v1;
  return { unavailable: `${v2.unavailable}; ${v1.unavailable}` };
}
