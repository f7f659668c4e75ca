import type { SandboxLimits } from './sandbox-policy-schema.js';
import type { SystemMount } from './system-mounts.js';

/** Everything the bubblewrap command line is built from; paths are absolute and exist. */
export interface SandboxPlan {
  systemMounts: readonly SystemMount[];
  /** The one writable directory, bound at its own path; the command starts there. */
  workspace: string;
  readOnlyBinds: readonly string[];
  /** Files written fresh (passwd, group, hosts), each read by bubblewrap from its descriptor. */
  files: ReadonlyArray<{ path: string; descriptor: number }>;
  environment: Readonly<Record<string, string>>;
  limits: SandboxLimits;
  /** A cgroup holds memory and processes for the whole command, so the wrapper sets no RLIMIT_AS or RLIMIT_NPROC. */
  cgroupLimits: boolean;
  /** bash inside the sandbox: it sets the limits, then becomes the command. */
  bashPath: string;
  /** The wrapper writes one byte here once the sandbox is up, so a failed setup is told apart from a failed command. */
  readyDescriptor: number;
  /** Where bubblewrap reads its options (`--args`), kept out of the host's process list. */
  optionsDescriptor: number;
  command: readonly string[];
}

/** bubblewrap's options, to be written NUL-separated to the options descriptor, and what follows `--`. */
export interface BubblewrapArguments {
  options: string[];
  command: string[];
}

/**
 * The `bwrap` arguments for a plan: new user, pid, network, IPC, UTS and cgroup namespaces; a
 * read-only root holding only the system paths, a fresh /proc, /dev and size-capped /tmp; the
 * workspace writable; an empty environment plus the plan's; the per-process limits set by a bash wrapper.
 * @example const { options, command } = bubblewrapArguments(plan); // bwrap --args <fd> -- ...command
 */
export function bubblewrapArguments(plan: SandboxPlan): BubblewrapArguments {
  const { limits } = plan;
  const binds = [...plan.readOnlyBinds.map((path) => ({ path, writable: false })), { path: plan.workspace, writable: true }]
    // Parents first, so a path inside the workspace can stay read-only and the workspace can sit inside a read-only bind.
    .sort((left, right) => depthOf(left.path) - depthOf(right.path));
  const options = [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'warden-sandbox',
    ...plan.systemMounts.flatMap((mount) => (mount.kind === 'bind' ? ['--ro-bind', mount.path, mount.path] : ['--symlink', mount.target, mount.path])),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(limits.tmpSizeInMb * 1024 * 1024),
    '--tmpfs',
    '/tmp',
    ...plan.files.flatMap((file) => ['--ro-bind-data', String(file.descriptor), file.path]),
    ...binds.flatMap((bind) => [bind.writable ? '--bind' : '--ro-bind', bind.path, bind.path]),
    '--remount-ro',
    '/',
    '--chdir',
    plan.workspace,
    '--clearenv',
    ...Object.entries(plan.environment).flatMap(([name, value]) => ['--setenv', name, value]),
  ];
  return { options, command: [plan.bashPath, '-c', limitScript(plan), 'warden-sandbox', ...plan.command] };
}

function limitScript(plan: SandboxPlan): string {
  const { limits, readyDescriptor } = plan;
  const perProcess = plan.cgroupLimits ? '' : ` -u ${limits.processes} -v ${limits.memoryInMb * 1024}`;
  const lastDescriptor = Math.max(readyDescriptor, plan.optionsDescriptor, ...plan.files.map((file) => file.descriptor));
  const inherited = Array.from({ length: lastDescriptor - 2 }, (_, index) => `${index + 3}>&-`).join(' ');
  return [
    // Set inside the new user namespace so RLIMIT_NPROC counts this sandbox's processes, not all of the user's.
    // Under a cgroup, memory.max and pids.max hold the whole tree and an address-space cap would only break runtimes that reserve large ranges.
    `ulimit -c 0 -n ${limits.openFiles}${perProcess} -f ${limits.fileSizeInMb * 1024} && ` +
      // A soft limit one second under the hard one: SIGXCPU names the limit before SIGKILL ends the process.
      `ulimit -S -t ${limits.cpuInSeconds} && ulimit -H -t ${limits.cpuInSeconds + 1} || exit 125`,
    `printf r >&${readyDescriptor} && exec ${inherited}`,
    'exec -- "$@"',
  ].join('\n');
}

function depthOf(path: string): number {
  return path.split('/').filter((part) => part !== '').length;
}
