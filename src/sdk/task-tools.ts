import { realpath } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { ApprovalRecord } from '../core/approval-record.js';
import type { TaskRef } from '../core/call-scopes.js';
import { decideTool, type ToolDecision } from '../core/decide-tool.js';
import { WardenError } from '../core/warden-error.js';
import { runSandboxed, type RunSandboxedOptions } from '../sandbox/run-sandboxed.js';
import type { SandboxResult } from '../sandbox/sandbox-result.js';
import type { WardenRuntime } from './warden-runtime.js';

/** What a person is asked to decide, and how the SDK waits: `approve` resolves true to allow. */
export type ApprovalHandler = (request: Omit<ApprovalRecord, 'status'>) => Promise<boolean>;

/** The tool guardrails of one task in the SDK: the same policy, ledger events and sandbox as the gateway. */
export interface TaskTools {
  /** The tool policy's decision for a call; a denial (or a held call) is a `tool-deny` event in the ledger. */
  checkTool(name: string, args: unknown): Promise<ToolDecision>;
  /**
   * Wraps a tool so every call is checked first: allowed calls run; calls needing approval wait for
   * the `approve` hook (no answer within toolChecks.approvalTimeoutInSeconds, or no hook: denied);
   * denied calls throw tool_not_allowed without running.
   */
  guardTool<Args, Result>(name: string, run: (args: Args) => Promise<Result>): (args: Args) => Promise<Result>;
  /** Runs a command under the sandbox (`warden exec`); a limit it runs into is a ledger event. */
  exec(command: readonly string[], options?: Omit<RunSandboxedOptions, 'command' | 'onEvent'>): Promise<SandboxResult>;
}

/** Follows symbolic links of the deepest part of the path that exists; the rest is new (a file about to be written). */
async function resolveExisting(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    const parent = dirname(path);
    if (parent === path || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return join(await resolveExisting(parent), basename(path));
  }
}

export function createTaskTools(options: { runtime: WardenRuntime; tasks: readonly TaskRef[]; team?: string; approve?: ApprovalHandler }): TaskTools {
  const { runtime, tasks, approve } = options;
  const task = tasks.at(-1);
  const subject = { ...(options.team === undefined ? {} : { team: options.team }), ...(task?.type === undefined ? {} : { taskType: task.type }) };
  const taskFields = task === undefined ? {} : { taskId: task.id, ...(tasks.length > 1 ? { parentTaskId: (tasks.at(-2) as TaskRef).id } : {}) };

  const checkTool = async (name: string, args: unknown): Promise<ToolDecision> => {
    const decision = await decideTool({ policies: runtime.config.toolPolicies, subject, name, args, resolvePath: resolveExisting });
    if (decision.kind !== 'allow') {
      runtime.record({
        type: 'tool-deny',
        timeInMs: runtime.clock.now(),
        ...taskFields,
        ...(options.team === undefined ? {} : { team: options.team }),
        data: { stage: 'sdk', tool: name, decision: decision.kind, reason: decision.reason, ...(decision.rule === undefined ? {} : { rule: decision.rule.path }) },
      });
    }
    return decision;
  };

  const askPerson = async (name: string, args: unknown, decision: Extract<ToolDecision, { kind: 'approval-required' }>): Promise<{ approved: boolean; why: string }> => {
    const nowInMs = runtime.clock.now();
    const timeoutInMs = runtime.config.toolChecks.approvalTimeoutInSeconds * 1000;
    const request: Omit<ApprovalRecord, 'status'> = {
      id: `apr_${runtime.newId()}`,
      tool: name,
      argumentsJson: JSON.stringify(args),
      reason: decision.reason,
      rule: decision.rule.path,
      ...(task === undefined ? {} : { taskId: task.id }),
      ...(options.team === undefined ? {} : { team: options.team }),
      createdAtInMs: nowInMs,
      expiresAtInMs: nowInMs + timeoutInMs,
    };
    runtime.record({ type: 'approval-request', timeInMs: nowInMs, ...taskFields, data: { approvalId: request.id, tool: name, arguments: request.argumentsJson.slice(0, 500), reason: decision.reason, rule: decision.rule.path } });
    let status: 'approved' | 'denied' | 'expired' = 'expired';
    if (approve !== undefined) {
      const controller = new AbortController();
      const answered = approve(request).then((yes): 'approved' | 'denied' => (yes ? 'approved' : 'denied'));
      const timedOut = runtime.sleep(timeoutInMs, controller.signal).then((): 'expired' => 'expired', (): 'expired' => 'expired');
      status = await Promise.race([answered, timedOut]);
      controller.abort();
    }
    runtime.record({ type: 'approval-decide', timeInMs: runtime.clock.now(), ...taskFields, data: { approvalId: request.id, status, tool: name, by: approve === undefined ? 'nobody (no approve hook)' : 'approve hook' } });
    return { approved: status === 'approved', why: status === 'expired' ? (approve === undefined ? 'no approve hook is set in createWarden' : `no answer within ${timeoutInMs / 1000} s`) : 'the approver said no' };
  };

  return {
    checkTool,
    guardTool(name, run) {
      return async (args) => {
        const decision = await checkTool(name, args);
        if (decision.kind === 'approval-required') {
          const { approved, why } = await askPerson(name, args, decision);
          if (!approved) throw new WardenError('tool_not_allowed', `Tool "${name}" needed a person's approval (${decision.reason}) and did not get it: ${why}. It was not run.`, { details: { tool: name } });
        } else if (decision.kind === 'deny') {
          throw new WardenError('tool_not_allowed', `Tool "${name}" is not allowed here: ${decision.reason}. It was not run.`, { details: { tool: name } });
        }
        return run(args);
      };
    },
    exec(command, execOptions = {}) {
      return runSandboxed({ ...execOptions, command, onEvent: (event) => runtime.record({ ...event, ...taskFields }) });
    },
  };
}
