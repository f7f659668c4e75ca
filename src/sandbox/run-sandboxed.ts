import { realpathSync, statSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { WardenError } from '../core/warden-error.js';
import { bubblewrapArguments } from './bubblewrap-arguments.js';
import type { CommandCgroup } from './command-cgroup.js';
import { createCommandCgroup } from './create-command-cgroup.js';
import { detectLimitsHit } from './detect-limits-hit.js';
import { findBubblewrap } from './find-bubblewrap.js';
import { findExecutable } from './find-executable.js';
import { parseSandboxPolicy } from './parse-sandbox-policy.js';
import { sandboxEnvironment } from './sandbox-environment.js';
import { sandboxEtcFiles } from './sandbox-etc-files.js';
import { sandboxIdentity, type SandboxIdentity } from './sandbox-identity.js';
import type { SandboxPolicy } from './sandbox-policy-schema.js';
import type { SandboxLimitCrossEvent, SandboxResult } from './sandbox-result.js';
import { spawnBubblewrap } from './spawn-bubblewrap.js';
import { systemMounts } from './system-mounts.js';

export interface RunSandboxedOptions {
  /** The program and its arguments, like ['sh', '-c', 'make test']; found on the sandbox's PATH. */
  command: readonly string[];
  /** From parseSandboxPolicy; relative paths resolve against the current directory. Default: all defaults, workspace = current directory. */
  policy?: Readonly<SandboxPolicy>;
  /** Where LANG, TERM and the policy's passEnvironment names are read; default process.env. Nothing else is copied. */
  parentEnvironment?: Readonly<Record<string, string | undefined>>;
  /** Variables set in the sandbox on top of everything else. */
  environment?: Readonly<Record<string, string>>;
  /** Default 'ignore'; the CLI passes its own stdin through. */
  stdin?: 'ignore' | 'inherit';
  /** Each chunk of output as it arrives, within limits.maxOutputInKb per stream. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Called once per run that ran into a limit, with an event ready for the ledger. */
  onEvent?: (event: SandboxLimitCrossEvent) => void;
  /** Default: bwrap from /usr/bin, /usr/local/bin, /bin, then the parent's PATH. */
  bubblewrapPath?: string;
  /** Default true: hold memory and processes for the whole command in a cgroup when one is usable. False keeps per-process rlimits only. */
  useCgroup?: boolean;
  clock?: Clock;
}

const readyDescriptor = 3;
const optionsDescriptor = 4;
// The wrapper that becomes bubblewrap, and bubblewrap's init in the new pid namespace, share pids.max with the command.
const bubblewrapOwnProcesses = 2;
const environmentName = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Binding one of these writable would hand the command the system, every user's files or the host's /tmp.
const refusedWorkspaces = new Set(['/', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/tmp', '/var', '/run', '/proc', '/dev', '/sys', '/boot', '/home', '/root']);
// Nor any directory inside these: /etc/cron.d or /usr/local/bin writable is the system too (a "../../etc/x" or a symlinked workspace gets there).
const systemTrees = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/run', '/proc', '/dev', '/sys', '/boot'];

/**
 * Runs a command under bubblewrap: no network, a read-only system, one writable workspace, an
 * empty environment plus an allowlist, and the policy's limits, memory and processes held for the
 * whole command by a cgroup where one is usable. Throws `invalid_config` when bubblewrap is
 * missing, the sandbox cannot be set up, or the policy requires a cgroup and none is usable; never
 * runs the command unsandboxed.
 * @example const result = await runSandboxed({ command: ['sh', '-c', 'make test'], policy: parseSandboxPolicy({ workspace: '/srv/agent' }) });
 */
export async function runSandboxed(options: RunSandboxedOptions): Promise<SandboxResult> {
  const policy = options.policy ?? parseSandboxPolicy({});
  const parentEnvironment = options.parentEnvironment ?? process.env;
  const clock = options.clock ?? { now: () => Date.now() };
  if (options.command.length === 0 || options.command[0] === '') {
    throw new WardenError('invalid_request', 'No command to run: pass the program and its arguments, like ["sh", "-c", "make test"].');
  }
  const bubblewrapPath = await findBubblewrap(
    options.bubblewrapPath === undefined ? { searchPath: parentEnvironment['PATH'] ?? '' } : { candidates: [options.bubblewrapPath] },
  );
  const bashPath = findExecutable(['/usr/bin/bash', '/bin/bash']);
  if (bashPath === undefined) {
    throw new WardenError('invalid_config', 'bash is not in /usr/bin or /bin, and the sandbox sets its limits with it. Install it with `apt-get install bash`.');
  }
  const workspace = resolveWorkspace(policy.workspace ?? '.', [homedir(), parentEnvironment['HOME']]);
  const environment = sandboxEnvironment({ parentEnvironment, passEnvironment: policy.passEnvironment, ...(options.environment ? { environment: options.environment } : {}) });
  const badName = Object.keys(environment).find((name) => !environmentName.test(name));
  if (badName !== undefined) throw new WardenError('invalid_request', `${JSON.stringify(badName)} is not an environment variable name; use letters, digits and _, not starting with a digit.`);
  const identity = sandboxIdentity(workspace);
  const files = sandboxEtcFiles(identity).map((file, index) => ({ ...file, descriptor: optionsDescriptor + 1 + index }));
  const readOnlyBinds = policy.readOnlyBinds.map(resolveReadOnlyBind);
  const { cgroup, cgroupUnavailableReason } = cgroupFor(policy, options.useCgroup ?? true);
  const startedInMs = clock.now();
  const { run, cgroupHits } = await holding(cgroup, async () => {
    const { options: bubblewrapOptions, command } = bubblewrapArguments({
      systemMounts: systemMounts(),
      workspace,
      readOnlyBinds,
      files,
      environment,
      limits: policy.limits,
      cgroupLimits: cgroup !== undefined,
      bashPath,
      readyDescriptor,
      optionsDescriptor,
      command: options.command,
    });
    const run = await spawnBubblewrap({
      bubblewrapPath,
      bashPath,
      options: bubblewrapOptions,
      command,
      identity,
      readyDescriptor,
      optionsDescriptor,
      startDescriptor: optionsDescriptor + 1 + files.length,
      cgroup,
      files,
      stdin: options.stdin ?? 'ignore',
      maxOutputInBytes: policy.limits.maxOutputInKb * 1024,
      wallClockInMs: policy.limits.wallClockInSeconds * 1000,
      onOutput: options.onOutput,
    });
    return { run, cgroupHits: cgroup?.limitsHit() };
  });
  if (!run.ready && !run.timedOut) throw setupFailure({ stderr: run.stderr, code: run.code, identity, workspace });

  const signal = run.signal ?? signalOfStatus(run.code);
  const exitCode = run.signal === null ? run.code : null;
  const durationInMs = clock.now() - startedInMs;
  const limitsEnforcedBy = cgroup?.enforcement ?? 'rlimit';
  const limitsHit = detectLimitsHit({ ...run, exitCode, signal, cgroupHits });
  if (limitsHit.length > 0) {
    options.onEvent?.({
      type: 'sandbox-limit-cross',
      timeInMs: clock.now(),
      data: { limits: limitsHit, command: [...options.command], workspace, exitCode, signal, durationInMs, limitsEnforcedBy },
    });
  }
  return {
    exitCode,
    signal,
    stdout: run.stdout,
    stderr: run.stderr,
    stdoutTruncated: run.stdoutTruncated,
    stderrTruncated: run.stderrTruncated,
    timedOut: run.timedOut,
    limitsHit,
    durationInMs,
    limitsEnforcedBy,
    cgroupUnavailableReason,
    workspace,
  };
}

/** The cgroup for this run, or why there is none; throws when the policy requires one. */
function cgroupFor(policy: Readonly<SandboxPolicy>, useCgroup: boolean): { cgroup: CommandCgroup | undefined; cgroupUnavailableReason: string | null } {
  const { limits } = policy;
  const made = useCgroup
    ? createCommandCgroup({ limits: { memoryInBytes: limits.memoryInMb * 1024 * 1024, maxProcesses: limits.processes + bubblewrapOwnProcesses } })
    : { unavailable: 'turned off by the caller (useCgroup: false)' };
  if (!('unavailable' in made)) return { cgroup: made, cgroupUnavailableReason: null };
  if (policy.requireCgroup) throw cgroupRequired(made.unavailable);
  return { cgroup: undefined, cgroupUnavailableReason: made.unavailable };
}

/** Runs `work`, then removes the cgroup whether or not it succeeded. */
async function holding<T>(cgroup: CommandCgroup | undefined, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await cgroup?.remove().catch((cleanupError: unknown) => {
      throw new WardenError('invalid_config', `${(error as Error).message} Then: ${(cleanupError as Error).message}`, { cause: error, details: { reason: 'sandbox_cleanup' } });
    });
    throw error;
  }
  await cgroup?.remove();
  return result;
}

function cgroupRequired(reason: string): WardenError {
  return new WardenError(
    'invalid_config',
    `The sandbox policy sets requireCgroup, and no cgroup can hold this command's memory and process limits: ${reason}. Run Warden as root, or delegate the memory and pids controllers to it (see README "Sandboxed commands"), or drop requireCgroup to accept per-process rlimits.`,
    { details: { reason: 'sandbox_unavailable', cgroup: reason } },
  );
}

function resolveWorkspace(path: string, homes: ReadonlyArray<string | undefined>): string {
  const workspace = realPathOf(path, 'workspace');
  if (!statSync(workspace).isDirectory()) throw new WardenError('invalid_config', `The sandbox workspace ${workspace} is not a directory; set workspace to a directory.`);
  if (refusedWorkspaces.has(workspace)) {
    throw new WardenError('invalid_config', `The sandbox workspace cannot be ${workspace}: it would make a system directory writable. Use a project directory.`);
  }
  const tree = systemTrees.find((directory) => isSameOrInside(workspace, directory));
  if (tree !== undefined) {
    throw new WardenError('invalid_config', `The sandbox workspace ${workspace} is inside ${tree}: it would make system files writable. Use a project directory.`);
  }
  const dotfiles = homes.find((candidate) => candidate !== undefined && candidate !== '' && isSameOrInside(workspace, resolve(candidate)) && workspace.slice(resolve(candidate).length).startsWith('/.'));
  if (dotfiles !== undefined) {
    throw new WardenError('invalid_config', `The sandbox workspace ${workspace} is among the dotfiles of the home directory ${dotfiles} (keys, credentials). Use a project directory.`);
  }
  const home = homes.find((candidate) => candidate !== undefined && candidate !== '' && isSameOrInside(resolve(candidate), workspace));
  if (home !== undefined) {
    throw new WardenError(
      'invalid_config',
      `The sandbox workspace ${workspace} holds the home directory ${home}, with its dotfiles and keys. Run from a project directory or set workspace in the policy.`,
    );
  }
  return workspace;
}

function resolveReadOnlyBind(path: string): string {
  const resolved = resolve(path);
  realPathOf(resolved, 'readOnlyBinds entry');
  return resolved;
}

function realPathOf(path: string, field: string): string {
  try {
    return realpathSync(resolve(path));
  } catch (cause) {
    throw new WardenError('invalid_config', `The sandbox ${field} ${resolve(path)} does not exist (${(cause as Error).message}); create it or correct the policy.`, {
      cause,
    });
  }
}

function isSameOrInside(path: string, directory: string): boolean {
  return path === directory || path.startsWith(directory.endsWith('/') ? directory : `${directory}/`);
}

function signalOfStatus(code: number | null): NodeJS.Signals | null {
  // bubblewrap exits 128 + N when signal N ended the command, as a shell reports it.
  if (code === null || code <= 128) return null;
  const entry = Object.entries(constants.signals).find(([, number]) => number === code - 128);
  return entry === undefined ? null : (entry[0] as NodeJS.Signals);
}

function setupFailure(options: { stderr: string; code: number | null; identity: SandboxIdentity; workspace: string }): WardenError {
  const { identity } = options;
  const said = options.stderr.trim() || `bubblewrap exited with ${options.code ?? 'a signal'} and said nothing`;
  const hint = identity.switchUser
    ? ` Warden runs as root, so the command runs as uid ${identity.uid} (the workspace's owner, or nobody when root owns it); that user must be able to enter ${options.workspace} (for example chown -R ${identity.uid}:${identity.gid} ${options.workspace}).`
    : ' Check that unprivileged user namespaces are enabled (sysctl kernel.unprivileged_userns_clone=1, or an AppArmor profile for bwrap on Ubuntu 24.04).';
  return new WardenError('invalid_config', `The sandbox could not be set up: ${said}.${hint}`, {
    details: { reason: 'sandbox_unavailable', workspace: options.workspace },
  });
}
