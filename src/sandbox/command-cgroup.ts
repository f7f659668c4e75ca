import { closeSync, constants, existsSync, openSync, readFileSync, rmdirSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WardenError } from '../core/warden-error.js';
import type { LimitsEnforcement } from './sandbox-result.js';

/** The limits a cgroup holds for the whole command tree. */
export interface CgroupLimits {
  memoryInBytes: number;
  /** Tasks, threads included, bubblewrap's own among them. */
  maxProcesses: number;
}

/** One cgroup (a directory in each hierarchy it needs) made for one command. */
export interface CommandCgroup {
  enforcement: Exclude<LimitsEnforcement, 'rlimit'>;
  /** The per-command directories, one per hierarchy. */
  directories: readonly string[];
  /** Moves a process into the cgroup in every hierarchy; call it before that process forks. */
  join(pid: number): void;
  /** The limits the kernel enforced during the run, from the cgroup's own counters. */
  limitsHit(): { memory: boolean; processes: boolean };
  /** SIGKILLs every process in the cgroup, including any forked while it works. */
  killAll(): Promise<void>;
  /** Kills whatever is left, then removes the directories, and the `warden` parents once empty. */
  remove(): Promise<void>;
}

const killRounds = 50;
const removeAttempts = 40;
const retryDelayInMs = 50;

/** The CommandCgroup over directories that are already made and limited; `killFile` is v2's cgroup.kill when the kernel has it. */
export function cgroupHandle(options: {
  enforcement: CommandCgroup['enforcement'];
  directories: readonly string[];
  limitsHit: () => { memory: boolean; processes: boolean };
  killFile?: string | undefined;
}): CommandCgroup {
  const { directories } = options;
  const killAll = async () => {
    for (let round = 0; round < killRounds; round++) {
      const pids = processesIn(directories);
      if (pids.length === 0) return;
      if (options.killFile !== undefined) writeControl(options.killFile, '1');
      else for (const pid of pids) killProcess(pid);
      await sleep(round === 0 ? 0 : retryDelayInMs);
    }
    throw new WardenError('invalid_config', `Processes ${processesIn(directories).join(', ')} in ${directories.join(' and ')} survived SIGKILL; check them with ps and kill them by hand.`, {
      details: { reason: 'sandbox_cleanup', directories: [...directories] },
    });
  };
  return {
    enforcement: options.enforcement,
    directories,
    join(pid) {
      for (const directory of directories) writeControl(`${directory}/cgroup.procs`, String(pid));
    },
    limitsHit: options.limitsHit,
    killAll,
    async remove() {
      await killAll();
      for (const directory of directories) await removeDirectory(directory);
      for (const parent of new Set(directories.map((directory) => dirname(directory)))) removeIfUnused(parent);
    },
  };
}

/** Removes what a failed setup made, children before parents, leaving parents another run may be using. */
export function undoSetup(made: readonly string[]): void {
  for (const directory of [...made].reverse()) removeIfUnused(directory);
}

/** Reads a cgroup `key value` file (memory.events, pids.events, memory.oom_control) into numbers. */
export function readCounters(path: string): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== undefined && key !== '' && value !== undefined) counters[key] = Number(value);
  }
  return counters;
}

/** Writes a cgroup control file; never creates one, so a directory outside a cgroup file system fails here. */
export function writeControl(path: string, value: string): void {
  const descriptor = openSync(path, constants.O_WRONLY);
  try {
    writeSync(descriptor, value);
  } finally {
    closeSync(descriptor);
  }
}

/** writeControl, or nothing when the kernel does not have the file (memory.swap.max without swap accounting). */
export function writeIfPresent(path: string, value: string): void {
  if (existsSync(path)) writeControl(path, value);
}

function processesIn(directories: readonly string[]): number[] {
  const pids = new Set<number>();
  for (const directory of directories) {
    for (const line of readFileSync(`${directory}/cgroup.procs`, 'utf8').split('\n')) if (line !== '') pids.add(Number(line));
  }
  return [...pids];
}

function killProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    // It exited between reading cgroup.procs and the kill.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function removeDirectory(directory: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      rmdirSync(directory);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // A killed process leaves its cgroup a moment after it is reaped.
      if (code !== 'EBUSY' || attempt === removeAttempts) {
        throw new WardenError('invalid_config', `Could not remove the sandbox cgroup ${directory}: ${(error as Error).message}. Remove it with rmdir once its processes are gone.`, {
          cause: error,
          details: { reason: 'sandbox_cleanup', directory },
        });
      }
      await sleep(retryDelayInMs);
    }
  }
}

function removeIfUnused(directory: string): void {
  try {
    rmdirSync(directory);
  } catch (error) {
    // Another run's cgroup is still in it, or it is already gone.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EBUSY' && code !== 'ENOTEMPTY' && code !== 'ENOENT') throw error;
  }
}
