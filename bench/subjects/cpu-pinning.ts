import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

/** True when `taskset` works here and there are two CPUs to split the subject from the load. */
export function canPinProcesses(): boolean {
  if (process.platform !== 'linux' || cpus().length < 2) return false;
  return spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Pins every thread of a running process (Node's worker and libuv threads included) to one CPU. */
export function pinProcess(options: { pid: number; cpu: number }): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(options.cpu), String(options.pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset could not pin process ${options.pid} to CPU ${options.cpu}: ${result.stderr.trim()}`);
}
