import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cgroupHandle, readCounters, writeControl, writeIfPresent, type CgroupLimits, type CommandCgroup } from './command-cgroup.js';
import { makeCgroupDirectories } from './make-cgroup-directories.js';
import type { CgroupHierarchy } from './parse-cgroup-hierarchies.js';

const needed = ['memory', 'pids'] as const;

/**
 * A cgroup for one command on cgroup v2: `warden/<name>` under the nearest cgroup, from this
 * process's own up to the root, that hands the memory and pids controllers to its children
 * (delegation), with memory.max, memory.swap.max = 0 and pids.max set. The root gets the
 * controllers enabled when it has them but does not hand them down yet. Says why not otherwise.
 */
export function createCgroupV2(options: { hierarchies: readonly CgroupHierarchy[]; name: string; limits: CgroupLimits }): CommandCgroup | { unavailable: string } {
  const unified = options.hierarchies.find((hierarchy) => hierarchy.version === 2);
  if (unified === undefined) return { unavailable: 'cgroup v2: not mounted' };
  if (unified.ownDirectory === undefined) return { unavailable: `cgroup v2: this process's cgroup is not visible under ${unified.mountPoint}` };
  const reasons: string[] = [];
  for (const base of ancestors(unified.ownDirectory, unified.mountPoint)) {
    const reason = delegationProblem(base, base === unified.mountPoint);
    if (reason !== undefined) {
      reasons.push(reason);
      continue;
    }
    const cgroup = createUnder(base, options);
    if (!('unavailable' in cgroup)) return cgroup;
    reasons.push(`${base}: ${cgroup.unavailable}`);
  }
  return { unavailable: `cgroup v2 (${unified.mountPoint}): no cgroup from this process's up to the root delegates the memory and pids controllers (${reasons.join('; ')})` };
}

function createUnder(base: string, options: { name: string; limits: CgroupLimits }): CommandCgroup | { unavailable: string } {
  const directory = join(base, 'warden', options.name);
  const failure = makeCgroupDirectories({
    directories: [directory],
    prepareParent: (parent) => {
      if (!hasNeeded(wordsOf(join(parent, 'cgroup.subtree_control')))) writeControl(join(parent, 'cgroup.subtree_control'), needed.map((name) => `+${name}`).join(' '));
    },
    configure: () => {
      writeControl(join(directory, 'memory.max'), String(options.limits.memoryInBytes));
      writeIfPresent(join(directory, 'memory.swap.max'), '0');
      writeControl(join(directory, 'pids.max'), String(options.limits.maxProcesses));
    },
  });
  if (failure !== undefined) return { unavailable: failure };
  const killFile = join(directory, 'cgroup.kill');
  return cgroupHandle({
    enforcement: 'cgroup-v2',
    directories: [directory],
    // cgroup.kill arrived in Linux 5.14; before it, every process is killed one by one.
    killFile: existsSync(killFile) ? killFile : undefined,
    limitsHit: () => {
      const memory = readCounters(join(directory, 'memory.events'));
      return {
        memory: (memory['oom_kill'] ?? 0) > 0 || (memory['oom'] ?? 0) > 0,
        processes: (readCounters(join(directory, 'pids.events'))['max'] ?? 0) > 0,
      };
    },
  });
}

/** Why `base` cannot hold Warden's cgroups, or undefined when it can. */
function delegationProblem(base: string, isRoot: boolean): string | undefined {
  let available: string[];
  let enabled: string[];
  try {
    available = wordsOf(join(base, 'cgroup.controllers'));
    enabled = wordsOf(join(base, 'cgroup.subtree_control'));
  } catch (error) {
    return `${base}: ${(error as Error).message}`;
  }
  if (!hasNeeded(available)) return `${base}: cgroup.controllers has ${available.join(' ') || 'none'}`;
  if (hasNeeded(enabled)) return undefined;
  // Only the root may have processes of its own and still hand controllers down; elsewhere that is the delegator's call.
  if (!isRoot) return `${base}: cgroup.subtree_control has ${enabled.join(' ') || 'none'}`;
  try {
    writeControl(join(base, 'cgroup.subtree_control'), needed.map((name) => `+${name}`).join(' '));
    return undefined;
  } catch (error) {
    return `${base}: cannot enable memory and pids in cgroup.subtree_control (${(error as Error).message})`;
  }
}

function ancestors(directory: string, mountPoint: string): string[] {
  const chain = [directory];
  for (let current = directory; current !== mountPoint && current.startsWith(`${mountPoint}/`); ) {
    current = dirname(current);
    chain.push(current);
  }
  return chain;
}

function wordsOf(path: string): string[] {
  return readFileSync(path, 'utf8').trim().split(/\s+/).filter((word) => word !== '');
}

function hasNeeded(words: readonly string[]): boolean {
  return needed.every((name) => words.includes(name));
}
