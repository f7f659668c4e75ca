import { readdirSync, readFileSync } from 'node:fs';

/** Host pids whose command line contains `marker` and starts with `prefix`, the sandbox's included. */
export function pidsWith(marker: string, prefix = ''): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    const commandLine = readIfRunning(`/proc/${entry}/cmdline`);
    return commandLine !== undefined && commandLine.startsWith(prefix) && commandLine.includes(marker) ? [Number(entry)] : [];
  });
}

/** A file under /proc/<pid>, or undefined when the process ended before it could be read. */
export function readIfRunning(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw error;
  }
}

export async function waitUntil(condition: () => boolean, timeoutInMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutInMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

export function uniqueMarker(): string {
  return `${process.pid}${Date.now()}${Math.floor(Math.random() * 1e6)}`;
}
