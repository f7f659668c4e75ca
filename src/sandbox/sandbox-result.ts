import type { LedgerEvent } from '../core/ledger-event.js';

/** A limit a sandboxed run ran into, named after its field in the policy's limits. */
export type SandboxLimitName = 'wallClock' | 'cpu' | 'memory' | 'processes' | 'fileSize' | 'output';

/**
 * How the memory and process limits were held: by a cgroup around the whole command tree (v2 or
 * v1), or, where no cgroup is usable, by rlimits on each process, which many processes can add up past.
 */
export type LimitsEnforcement = 'cgroup-v2' | 'cgroup-v1' | 'rlimit';

/** What a sandboxed command did. Output is bounded by limits.maxOutputInKb per stream. */
export interface SandboxResult {
  /** As a shell reports it: 128 + N when signal N ended the command; null when Warden killed the sandbox. */
  exitCode: number | null;
  /** The signal that ended the command, or SIGKILL when Warden killed the sandbox. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** The wall-clock limit passed and every process in the sandbox was killed. */
  timedOut: boolean;
  /** The limits the run ran into, as far as they can be told (see detectLimitsHit). */
  limitsHit: SandboxLimitName[];
  durationInMs: number;
  /** How memory and processes were limited; 'rlimit' means per process (see cgroupUnavailableReason). */
  limitsEnforcedBy: LimitsEnforcement;
  /** Why no cgroup was used, when limitsEnforcedBy is 'rlimit'; null otherwise. */
  cgroupUnavailableReason: string | null;
  /** The workspace as bound: its real path, which is also the command's working directory. */
  workspace: string;
}

/** Handed to onEvent when a run ran into a limit, shaped to be written to the ledger as is. */
export interface SandboxLimitCrossEvent extends LedgerEvent {
  type: 'sandbox-limit-cross';
  data: {
    limits: SandboxLimitName[];
    command: string[];
    workspace: string;
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    durationInMs: number;
    limitsEnforcedBy: LimitsEnforcement;
  };
}
