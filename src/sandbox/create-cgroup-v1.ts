import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupHandle, readCounters, writeControl, writeIfPresent, type CgroupLimits, type CommandCgroup } from './command-cgroup.js';
import { makeCgroupDirectories } from './make-cgroup-directories.js';
import type { CgroupHierarchy } from './parse-cgroup-hierarchies.js';

/**
 * A cgroup for one command on cgroup v1: `warden/<name>` under this process's own cgroup in the
 * memory and pids hierarchies, with memory.limit_in_bytes (and memory.memsw.limit_in_bytes, so
 * swap does not stretch it) and pids.max set. Says why not when a hierarchy is missing or not writable.
 */
export function createCgroupV1(options: { hierarchies: readonly CgroupHierarchy[]; name: string; limits: CgroupLimits }): CommandCgroup | { unavailable: string } {
  const memory = options.hierarchies.find((hierarchy) => hierarchy.version === 1 && hierarchy.controllers.includes('memory'));
  const pids = options.hierarchies.find((hierarchy) => hierarchy.version === 1 && hierarchy.controllers.includes('pids'));
  if (memory?.ownDirectory === undefined || pids?.ownDirectory === undefined) {
    const missing = [memory?.ownDirectory === undefined ? 'memory' : [], pids?.ownDirectory === undefined ? 'pids' : []].flat().join(' and ');
    return { unavailable: `cgroup v1: no ${missing} hierarchy holding this process is mounted` };
  }
  const memoryDirectory = join(memory.ownDirectory, 'warden', options.name);
  const pidsDirectory = join(pids.ownDirectory, 'warden', options.name);
  const directories = memoryDirectory === pidsDirectory ? [memoryDirectory] : [memoryDirectory, pidsDirectory];
  const failure = makeCgroupDirectories({
    directories,
    configure: () => {
      const bytes = String(options.limits.memoryInBytes);
      writeControl(join(memoryDirectory, 'memory.limit_in_bytes'), bytes);
      // Only after the plain limit: the kernel refuses a memory+swap limit below it.
      writeIfPresent(join(memoryDirectory, 'memory.memsw.limit_in_bytes'), bytes);
      writeControl(join(pidsDirectory, 'pids.max'), String(options.limits.maxProcesses));
    },
  });
  if (failure !== undefined) return { unavailable: `cgroup v1: ${failure}` };
  return cgroupHandle({
    enforcement: 'cgroup-v1',
    directories,
    limitsHit: () => {
      const oom = readCounters(join(memoryDirectory, 'memory.oom_control'));
      // Kernels before 4.13 count no OOM kills; there a failed charge is the nearest sign.
      const memoryHit = oom['oom_kill'] === undefined ? Number(readFileSync(join(memoryDirectory, 'memory.failcnt'), 'utf8')) > 0 : (oom['oom_kill'] ?? 0) > 0;
      return { memory: memoryHit, processes: (readCounters(join(pidsDirectory, 'pids.events'))['max'] ?? 0) > 0 };
    },
  });
}
