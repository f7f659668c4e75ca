import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** The machine and code a bench result came from, stamped into `bench/results/*.json`. */
export interface BenchEnvironment {
  cpuModel: string;
  cpuCount: number;
  node: string;
  platform: string;
  gitCommit: string;
  /** True when the working tree had uncommitted changes: the commit alone does not name the code measured. */
  gitDirty: boolean | 'unknown';
  measuredAt: string;
}

export function benchEnvironment(): BenchEnvironment {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    gitCommit: git(['rev-parse', '--short', 'HEAD']) ?? 'unknown',
    gitDirty: ((status) => (status === undefined ? 'unknown' : status !== ''))(git(['status', '--porcelain'])),
    measuredAt: new Date().toISOString(),
  };
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (error) {
    if (error instanceof Error) return undefined;
    throw error;
  }
}
