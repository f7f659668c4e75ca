import type { SandboxLimitName } from './sandbox-result.js';

// Only what programs print when the kernel refused them: fork's EAGAIN under RLIMIT_NPROC,
// ENOMEM and the runtimes' own words under RLIMIT_AS.
const processesPattern = /\bfork\b[^\n]*(?:Resource temporarily unavailable|retry)|\bcannot fork\b|\bcan't fork\b|\bspawn\b[^\n]*\bEAGAIN\b/i;
const memoryPattern = /Cannot allocate memory|\bOut of memory\b|memory exhausted|\bMemoryError\b|std::bad_alloc|heap out of memory|\bENOMEM\b/i;

/**
 * The limits a finished run ran into. The wall clock, CPU (SIGXCPU), file size (SIGXFSZ) and
 * output are certain, and so are memory and processes under a cgroup (its OOM-kill and pids.max
 * counters). Without one, processes are read from fork's complaint on stderr and memory from the
 * error text of a failed run; a program that hides its errors goes unnoticed.
 */
export function detectLimitsHit(run: {
  timedOut: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** What the cgroup counted, when there was one. */
  cgroupHits?: { memory: boolean; processes: boolean } | undefined;
}): SandboxLimitName[] {
  const failed = run.exitCode !== 0;
  const hits: Array<[SandboxLimitName, boolean]> = [
    ['wallClock', run.timedOut],
    ['cpu', run.signal === 'SIGXCPU'],
    ['memory', run.cgroupHits?.memory === true || (failed && memoryPattern.test(run.stderr))],
    ['processes', run.cgroupHits?.processes === true || processesPattern.test(run.stderr)],
    ['fileSize', run.signal === 'SIGXFSZ' || (failed && /File too large/.test(run.stderr))],
    ['output', run.stdoutTruncated || run.stderrTruncated],
  ];
  return hits.filter(([, hit]) => hit).map(([name]) => name);
}
