import { spawn, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { WardenError } from '../core/warden-error.js';
import { createBoundedCapture } from './bounded-capture.js';
import type { CommandCgroup } from './command-cgroup.js';
import type { SandboxIdentity } from './sandbox-identity.js';

/** How one bubblewrap process ended, before interpretation. */
export interface BubblewrapRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The wrapper inside the sandbox started, so the sandbox was set up. */
  ready: boolean;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

export interface SpawnBubblewrapOptions {
  bubblewrapPath: string;
  bashPath: string;
  /** bubblewrap's options, passed through `optionsDescriptor` so environment values stay out of `ps`. */
  options: readonly string[];
  command: readonly string[];
  identity: SandboxIdentity;
  readyDescriptor: number;
  optionsDescriptor: number;
  /** The wrapper waits for one byte here before it becomes bubblewrap, so it joins the cgroup before anything forks. */
  startDescriptor: number;
  /** Where the whole process tree is held; joined before the wrapper is let go, and killed at the wall clock. */
  cgroup?: Pick<CommandCgroup, 'join' | 'killAll'> | undefined;
  files: ReadonlyArray<{ descriptor: number; text: string }>;
  stdin: 'ignore' | 'inherit';
  maxOutputInBytes: number;
  wallClockInMs: number;
  onOutput?: ((stream: 'stdout' | 'stderr', chunk: Buffer) => void) | undefined;
}

const closeGraceInMs = 2000;

/**
 * Starts bubblewrap in its own process group and waits for it. The bash wrapper that becomes
 * bubblewrap blocks on `startDescriptor` until it has been moved into the cgroup, so every process
 * of the command is born inside it. Past the wall clock the group and the cgroup get SIGKILL;
 * bubblewrap's --die-with-parent and the end of the pid namespace take everything inside too.
 */
export function spawnBubblewrap(options: SpawnBubblewrapOptions): Promise<BubblewrapRun> {
  const inputs = [...options.files, { descriptor: options.optionsDescriptor, text: options.options.map((option) => `${option}\0`).join('') }];
  const lastDescriptor = Math.max(options.readyDescriptor, options.startDescriptor, ...inputs.map((input) => input.descriptor));
  const stdio: StdioOptions = [options.stdin, 'pipe', 'pipe', ...Array.from({ length: lastDescriptor - 2 }, () => 'pipe' as const)];
  // bash forks nothing before `read` returns: only builtins run until it becomes bwrap.
  const waitForStart = `IFS= read -r -n 1 -u ${options.startDescriptor} start || exit 125; exec ${options.startDescriptor}<&-; `;
  // Node hands a child every descriptor it inherited without close-on-exec; bash closes those past
  // ours before it becomes bwrap, so none of them reaches the sandbox.
  const closeInherited = `${waitForStart}for descriptor in /proc/$$/fd/*; do descriptor=\${descriptor##*/}; if [ "$descriptor" -gt ${lastDescriptor} ]; then eval "exec $descriptor>&-"; fi; done; exec "$0" "$@"`;
  const { identity } = options;
  return new Promise((resolve, reject) => {
    const argv = ['-c', closeInherited, options.bubblewrapPath, '--args', String(options.optionsDescriptor), '--', ...options.command];
    const child = spawn(options.bashPath, argv, {
      stdio,
      detached: true,
      env: {},
      cwd: '/',
      ...(identity.switchUser ? { uid: identity.uid, gid: identity.gid } : {}),
    });
    const stdout = createBoundedCapture(options.maxOutputInBytes);
    const stderr = createBoundedCapture(options.maxOutputInBytes);
    let ready = false;
    let timedOut = false;
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    };
    const wallClock = setTimeout(() => {
      timedOut = true;
      killGroup();
      options.cgroup?.killAll().catch(reject);
    }, options.wallClockInMs);
    let closeGrace: NodeJS.Timeout | undefined;

    child.stdout?.on('data', (chunk: Buffer) => {
      const kept = stdout.add(chunk);
      if (kept.length > 0) options.onOutput?.('stdout', kept);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      const kept = stderr.add(chunk);
      if (kept.length > 0) options.onOutput?.('stderr', kept);
    });
    (child.stdio[options.readyDescriptor] as Readable | null)?.on('data', () => {
      ready = true;
    });
    for (const input of inputs) {
      const pipe = child.stdio[input.descriptor] as Writable | null;
      pipe?.on('error', (error: NodeJS.ErrnoException) => {
        // bubblewrap died before reading its input; its stderr says why, and that is what gets reported.
        if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
      });
      pipe?.end(input.text);
    }
    const start = child.stdio[options.startDescriptor] as Writable | null;
    start?.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    if (child.pid !== undefined) {
      try {
        options.cgroup?.join(child.pid);
        start?.end('g');
      } catch (cause) {
        // Closing the start pipe unsent makes the wrapper exit before it runs anything.
        start?.destroy();
        killGroup();
        clearTimeout(wallClock);
        reject(new WardenError('invalid_config', `Could not move the sandbox into its cgroup: ${(cause as Error).message}.`, { cause, details: { reason: 'sandbox_unavailable' } }));
      }
    }
    child.on('error', (cause) => {
      clearTimeout(wallClock);
      reject(new WardenError('invalid_config', `Could not start ${options.bashPath} to run bubblewrap: ${cause.message}.`, { cause }));
    });
    child.on('exit', () => {
      clearTimeout(wallClock);
      // Everything that held the pipes is dead by now; a stuck pipe must not hold the caller forever.
      closeGrace = setTimeout(() => child.stdio.forEach((stream) => stream?.destroy()), closeGraceInMs);
    });
    child.on('close', (code, signal) => {
      clearTimeout(closeGrace);
      resolve({
        code,
        signal,
        ready,
        timedOut,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
      });
    });
  });
}
