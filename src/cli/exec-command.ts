import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { constants } from 'node:os';
import { parseDocument } from 'yaml';
import { isWardenError, WardenError } from '../core/warden-error.js';
import { parseSandboxPolicy } from '../sandbox/parse-sandbox-policy.js';
import type { SandboxPolicy } from '../sandbox/sandbox-policy-schema.js';
import type { SandboxLimitName, SandboxResult } from '../sandbox/sandbox-result.js';
import { runSandboxed } from '../sandbox/run-sandboxed.js';
import type { CliOutput } from './cli-output.js';
import type { Environment } from './load-config-file.js';

/** Somewhere bytes go unchanged, like process.stdout. */
export interface ByteSink {
  write(chunk: Uint8Array): unknown;
}

export interface ExecCommandOptions {
  command: readonly string[];
  policyPath?: string;
  env: Environment;
  /** Warden's own messages: errors and the note when a limit was hit. */
  output: CliOutput;
  /** Where the command's output goes byte for byte; default the process's stdout and stderr. */
  stdout?: ByteSink;
  stderr?: ByteSink;
  /** Default 'inherit': the command reads warden's stdin. */
  stdin?: 'ignore' | 'inherit';
  bubblewrapPath?: string;
  /** Default true; false keeps memory and processes to per-process rlimits, as on a machine without a usable cgroup. */
  useCgroup?: boolean;
}

/** Exit codes of `warden exec` itself, as timeout(1) uses them. */
const timedOutExitCode = 124;
const failedExitCode = 125;

/**
 * `warden exec [--policy <file>] -- <command…>`: runs the command in the sandbox, passes its output
 * through and returns its exit code; 124 when the wall clock ran out, 125 when Warden could not
 * run it, 128 + N when signal N ended it. Notes on stderr when memory and processes were limited
 * per process only, for want of a usable cgroup.
 */
export async function execCommand(options: ExecCommandOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  let policy: Readonly<SandboxPolicy>;
  let result: SandboxResult;
  try {
    policy = options.policyPath === undefined ? parseSandboxPolicy({}) : await loadSandboxPolicyFile(options.policyPath);
    result = await runSandboxed({
      command: options.command,
      policy,
      parentEnvironment: options.env,
      stdin: options.stdin ?? 'inherit',
      onOutput: (stream, chunk) => (stream === 'stdout' ? stdout : stderr).write(chunk),
      ...(options.bubblewrapPath === undefined ? {} : { bubblewrapPath: options.bubblewrapPath }),
      ...(options.useCgroup === undefined ? {} : { useCgroup: options.useCgroup }),
    });
  } catch (error) {
    if (!isWardenError(error)) throw error;
    options.output.error(`warden exec: ${error.message}`);
    return failedExitCode;
  }
  const exitCode = exitCodeOf(result);
  if (result.limitsEnforcedBy === 'rlimit') {
    options.output.error(
      `warden exec: memory and process limits were per process (rlimit), not for the whole command: ${result.cgroupUnavailableReason ?? 'no usable cgroup'}. Run warden as root or delegate the memory and pids cgroup controllers to it; set requireCgroup: true in the policy to refuse instead.`,
    );
  }
  if (result.limitsHit.length > 0) {
    options.output.error(`warden exec: limit hit: ${result.limitsHit.map((name) => describeLimit(name, policy.limits, result)).join(', ')}; exit ${exitCode}`);
  }
  return exitCode;
}

function exitCodeOf(result: SandboxResult): number {
  if (result.timedOut) return timedOutExitCode;
  if (result.exitCode !== null) return result.exitCode;
  return 128 + (result.signal === null ? 0 : (constants.signals[result.signal] ?? 0));
}

function describeLimit(name: SandboxLimitName, limits: SandboxPolicy['limits'], result: SandboxResult): string {
  const scope = result.limitsEnforcedBy === 'rlimit' ? 'per process' : `for the whole command, ${result.limitsEnforcedBy}`;
  const descriptions: Record<SandboxLimitName, string> = {
    wallClock: `wall clock ${limits.wallClockInSeconds} s (every process was killed)`,
    cpu: `CPU time ${limits.cpuInSeconds} s`,
    memory: `memory ${limits.memoryInMb} MB (${scope})`,
    processes: `processes ${limits.processes} (${result.limitsEnforcedBy === 'rlimit' ? 'RLIMIT_NPROC' : scope})`,
    fileSize: `file size ${limits.fileSizeInMb} MB`,
    output: `output ${limits.maxOutputInKb} KB per stream (the rest was dropped)`,
  };
  return descriptions[name];
}

/** Reads a YAML or JSON sandbox policy; relative paths in it are relative to the file. */
async function loadSandboxPolicyFile(path: string): Promise<Readonly<SandboxPolicy>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist; check the path given to --policy' : (cause as Error).message;
    throw new WardenError('invalid_config', `Cannot read sandbox policy ${path}: ${reason}`, { cause, details: { path } });
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new WardenError('invalid_config', `Invalid YAML in sandbox policy ${path}:\n${document.errors.map((error) => `  ${error.message}`).join('\n')}`, {
      details: { path },
    });
  }
  let policy: Readonly<SandboxPolicy>;
  try {
    policy = parseSandboxPolicy(document.toJS());
  } catch (error) {
    if (isWardenError(error) && Array.isArray(error.details['issues'])) {
      const issues = error.details['issues'].map(String);
      throw new WardenError('invalid_config', `Invalid sandbox policy in ${path}:\n${issues.map((issue) => `  ${issue}`).join('\n')}`, {
        cause: error,
        details: { path, issues },
      });
    }
    throw error;
  }
  // So a policy means the same workspace whichever directory warden is started from.
  const directory = dirname(resolve(path));
  return parseSandboxPolicy({
    ...policy,
    ...(policy.workspace === undefined ? {} : { workspace: resolve(directory, policy.workspace) }),
    readOnlyBinds: policy.readOnlyBinds.map((bind) => resolve(directory, bind)),
  });
}
