import { describe, expect, it } from 'vitest';
import { detectLimitsHit } from '../../src/sandbox/detect-limits-hit.js';

const clean = { timedOut: false, exitCode: 0, signal: null, stderr: '', stdoutTruncated: false, stderrTruncated: false };

describe('detectLimitsHit', () => {
  it('finds nothing in a clean run', () => {
    expect(detectLimitsHit(clean)).toEqual([]);
  });

  it('tells the wall clock, CPU, file size and output limits from the run itself', () => {
    expect(detectLimitsHit({ ...clean, timedOut: true, exitCode: null, signal: 'SIGKILL' })).toEqual(['wallClock']);
    expect(detectLimitsHit({ ...clean, exitCode: 152, signal: 'SIGXCPU' })).toEqual(['cpu']);
    expect(detectLimitsHit({ ...clean, exitCode: 153, signal: 'SIGXFSZ' })).toEqual(['fileSize']);
    expect(detectLimitsHit({ ...clean, stderrTruncated: true })).toEqual(['output']);
  });

  it('reads the process limit from fork errors, and the memory limit from the error text of a failed run only', () => {
    expect(detectLimitsHit({ ...clean, exitCode: 1, stderr: 'Out of memory!\n' })).toEqual(['memory']);
    expect(detectLimitsHit({ ...clean, exitCode: 1, stderr: 'MemoryError\n' })).toEqual(['memory']);
    expect(detectLimitsHit({ ...clean, exitCode: 2, stderr: 'bash: fork: retry: Resource temporarily unavailable\n' })).toEqual(['processes']);
    // bash retries a fork that failed; the command may still succeed, but it ran into the limit.
    expect(detectLimitsHit({ ...clean, exitCode: 0, stderr: 'bash: fork: retry: Resource temporarily unavailable\n' })).toEqual(['processes']);
    expect(detectLimitsHit({ ...clean, exitCode: 0, stderr: 'Out of memory!\n' })).toEqual([]);
    expect(detectLimitsHit({ ...clean, exitCode: 1, stderr: 'read: Resource temporarily unavailable\n' })).toEqual([]);
  });

  it('takes memory and processes from the cgroup counters, even from a run that succeeded and printed nothing', () => {
    expect(detectLimitsHit({ ...clean, cgroupHits: { memory: true, processes: false } })).toEqual(['memory']);
    expect(detectLimitsHit({ ...clean, cgroupHits: { memory: false, processes: true } })).toEqual(['processes']);
    expect(detectLimitsHit({ ...clean, cgroupHits: { memory: false, processes: false } })).toEqual([]);
  });
});
