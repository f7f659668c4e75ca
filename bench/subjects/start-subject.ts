import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SubjectCommand, SubjectControlled, SubjectReady } from './run-subject.js';

/** A subject process the bench started, and how to stop it. */
export interface SubjectProcess {
  url: string;
  apiKey: string;
  headers: Record<string, string>;
  /** The subject's own node process (taskset execs node in place), for memory sampling. */
  pid: number;
  /** Sends the subject a change (the mock's behaviour) and waits until it is applied. */
  control(change: unknown): Promise<void>;
  /** Asks the subject to close, then ends it by its pid if it has not exited within `graceInMs`. */
  stop(graceInMs?: number): Promise<void>;
}

/**
 * Starts one compiled subject file (`dist/bench/subjects/<name>.js`) as a child process with an IPC
 * channel, pinned to `cpu` through `taskset` when given, and waits for its `ready` message.
 */
export async function startSubject(options: {
  file: string;
  args?: string[];
  cpu: number | undefined;
  startTimeoutInMs?: number;
  /** A command node runs under, such as valgrind with its options (then `cpu` is ignored). */
  launcher?: readonly string[];
}): Promise<SubjectProcess> {
  const { file, args = [], cpu, startTimeoutInMs = 15_000, launcher } = options;
  const script = fileURLToPath(new URL(file, import.meta.url));
  // e.g. WARDEN_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the subjects.
  const extraNodeArguments = (process.env.WARDEN_BENCH_NODE_ARGS ?? '').split(' ').filter((argument) => argument !== '');
  const nodeArguments = [...extraNodeArguments, script, ...args];
  // taskset execs node in place, so the IPC channel (NODE_CHANNEL_FD) reaches node itself.
  const child: ChildProcess =
    launcher !== undefined && launcher.length > 0
      ? spawn(launcher[0] as string, [...launcher.slice(1), process.execPath, ...nodeArguments], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : cpu === undefined
      ? spawn(process.execPath, nodeArguments, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : spawn('taskset', ['-c', String(cpu), process.execPath, ...nodeArguments], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<SubjectReady>((resolve, reject) => {
    const fail = (error: Error): void => {
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`${file} did not report ready within ${startTimeoutInMs} ms.`)), startTimeoutInMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as SubjectReady);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${file} exited before it was ready (code ${String(code)}, signal ${String(signal)}).`));
    });
  });
  const pid = child.pid ?? -1;
  return {
    url: ready.url,
    apiKey: ready.apiKey,
    headers: ready.headers,
    pid,
    async control(change) {
      const applied = new Promise<void>((resolve, reject) => {
        const onMessage = (message: SubjectControlled): void => {
          if (message.type !== 'controlled') return;
          child.off('message', onMessage);
          if (message.error === undefined) resolve();
          else reject(new Error(`${file} refused a control message: ${message.error}`));
        };
        child.on('message', onMessage);
      });
      const command: SubjectCommand = { type: 'control', change };
      child.send(command);
      await applied;
    },
    async stop(graceInMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const command: SubjectCommand = { type: 'stop' };
      if (child.connected) child.send(command);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceInMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
