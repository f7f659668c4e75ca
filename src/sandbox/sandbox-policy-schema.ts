import { z } from 'zod';
import { positiveInteger } from '../core/config-fields.js';

const pathText = z
  .string({ error: 'expected a path like "./work" or "/opt/toolchain"' })
  .min(1, { error: 'expected a path, got an empty string' })
  .refine((path) => path.replace(/\/+$/, '') !== '', { error: 'the whole file system "/" cannot be bound; name a directory' });

const environmentName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: (issue) => `expected an environment variable name like "CI" or "NODE_OPTIONS", got ${JSON.stringify(issue.input)}`,
});

/** What a sandboxed command may use. Every limit applies to each run; see README "Sandboxed commands". */
export const sandboxLimitsSchema = z.strictObject({
  /** CPU time per process (RLIMIT_CPU): SIGXCPU at the limit, SIGKILL one second later. */
  cpuInSeconds: positiveInteger.default(120),
  /** Memory for the whole command tree (a cgroup's memory.max or memory.limit_in_bytes, no swap); without a cgroup, address space per process (RLIMIT_AS). */
  memoryInMb: positiveInteger.min(64, { error: 'below 64 MB even a shell may not start; use 64 or more' }).default(2048),
  /** Processes and threads of the whole command (a cgroup's pids.max); without a cgroup, RLIMIT_NPROC counted inside the sandbox. */
  processes: positiveInteger.default(256),
  /** Open file descriptors per process (RLIMIT_NOFILE). */
  openFiles: positiveInteger.min(16, { error: 'below 16 open files even a shell may not start; use 16 or more' }).default(1024),
  /** Largest file a process may write (RLIMIT_FSIZE): SIGXFSZ past it. */
  fileSizeInMb: positiveInteger.default(1024),
  /** Size of the sandbox's /tmp, which lives in memory. */
  tmpSizeInMb: positiveInteger.default(256),
  /** The whole run, measured by Warden; past it every process in the sandbox is killed. */
  wallClockInSeconds: positiveInteger.default(300),
  /** Output kept from each of stdout and stderr; the rest is read and dropped. */
  maxOutputInKb: positiveInteger.default(1024),
});

/** A sandbox policy file: the workspace, the limits, extra read-only paths and passed-through variables. */
export const sandboxPolicySchema = z.strictObject({
  /** The one writable directory, bound at the same path; relative paths are resolved by the caller. */
  workspace: pathText.optional(),
  limits: sandboxLimitsSchema.prefault({}),
  /** Extra paths visible read-only at the same path, such as a toolchain outside /usr. */
  readOnlyBinds: z.array(pathText).default([]),
  /** Names of variables copied from the parent environment when set there. */
  passEnvironment: z.array(environmentName).default([]),
  /** Refuse to run unless a cgroup holds memory and processes for the whole command, rather than falling back to per-process rlimits. */
  requireCgroup: z.boolean({ error: 'expected true or false' }).default(false),
});

export type SandboxPolicy = z.output<typeof sandboxPolicySchema>;
export type SandboxPolicyInput = z.input<typeof sandboxPolicySchema>;
export type SandboxLimits = z.output<typeof sandboxLimitsSchema>;
