import { readFileSync, writeFileSync } from 'node:fs';

/** Resident memory of a process, read from /proc/<pid>/status, in bytes. */
export function residentMemoryInBytes(pid: number): { currentInBytes: number; peakInBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1_024;
  return { currentInBytes: field('VmRSS'), peakInBytes: field('VmHWM') };
}

/**
 * Watches a process's resident memory while something runs: resets the kernel's peak (VmHWM) when
 * allowed (`5` into /proc/<pid>/clear_refs) and samples VmRSS every `intervalInMs`. `stop` returns
 * the peak: the kernel's when the reset worked (it misses nothing), else the highest sample.
 */
export function sampleMemory(pid: number, intervalInMs = 10): { stop(): { peakInBytes: number; source: 'VmHWM' | 'VmRSS samples' } } {
  const kernelPeak = resetPeak(pid);
  let highestSample = residentMemoryInBytes(pid).currentInBytes;
  const timer = setInterval(() => {
    highestSample = Math.max(highestSample, residentMemoryInBytes(pid).currentInBytes);
  }, intervalInMs);
  return {
    stop() {
      clearInterval(timer);
      const { currentInBytes, peakInBytes } = residentMemoryInBytes(pid);
      highestSample = Math.max(highestSample, currentInBytes);
      return kernelPeak ? { peakInBytes: Math.max(peakInBytes, highestSample), source: 'VmHWM' } : { peakInBytes: highestSample, source: 'VmRSS samples' };
    },
  };
}

function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch (error) {
    if (error instanceof Error) return false;
    throw error;
  }
}
