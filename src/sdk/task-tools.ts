import { realpath } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { ApprovalRecord } from '../core/approval-record.js';
import type { TaskRef } from '../core/call-scopes.js';
import type { ToolDecision } from '../core/decide-tool.js';
import { decideToolWithShadow } from '../core/shadow-tool-policies.js';
import { isWardenError, WardenError } from '../core/warden-error.js';
import { runSandboxed, type RunSandboxedOptions } from '../sandbox/run-sandboxed.js';
import type { SandboxResult } from '../sandbox/sandbox-result.js';
import { recordShadowTool } from './record-shadow.js';
import type { WardenRuntime } from './warden-runtime.js';

/** What a person is asked to decide (the approval as filed in the store): resolve true to allow. */
export type ApprovalHandler = (request: Omit<ApprovalRecord, 'status' | 'callKey'>) => Promise<boolean>;

/** The tool guardrails of one task in the SDK: the same policy, ledger events and sandbox as the gateway. */
export interface TaskTools {
  /** The tool policy's decision for a call; a denial (or a held call) is a `tool-deny` event in the ledger. */
  checkTool(name: string, args: unknown): Promise<ToolDecision>;
  /**
   * Wraps a tool so every call is checked first: allowed calls run; calls needing approval are filed
   * in the store and wait for the `approve` hook or a person's decision there (`warden approvals`),
   * whichever comes first, denied after toolChecks.approvalTimeoutInSeconds; denied calls throw
   * tool_not_allowed without running.
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
    const modes = { policies: runtime.config.toolPolicies, mode: runtime.config.toolChecks.mode };
    const { decision, shadow } = await decideToolWithShadow({ modes, subject, name, args, resolvePath: resolveExisting });
    if (shadow !== undefined) {
      recordShadowTool(runtime, { stage: 'sdk', tool: name, decision: shadow, action: shadow.kind === 'deny' ? 'not run' : 'held for approval' }, { ...taskFields, ...(options.team === undefined ? {} : { team: options.team }) });
    }
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

  /** Files the approval in the store and waits for the first decision: the approve hook's, or a person's through the CLI or admin API. */
  const askPerson = async (name: string, args: unknown, decision: Extract<ToolDecision, { kind: 'approval-required' }>): Promise<{ approved: boolean; why: string }> => {
    const approval = await runtime.approvals.file({
      tool: name,
      argumentsJson: JSON.stringify(args) ?? 'null',
      reason: decision.reason,
      rule: decision.rule.path,
      ...taskFields,
      ...(options.team === undefined ? {} : { team: options.team }),
    });
    const decided = await awaitDecision(approval);
    if (decided.status === 'approved' && (await runtime.approvals.use(decided.id))) return { approved: true, why: '' };
    if (decided.status === 'denied') {
      return { approved: false, why: `${decided.decidedBy ?? 'a person'} denied it${decided.decisionReason ? ` (${decided.decisionReason})` : ''}, approval ${decided.id}` };
    }
    const timeoutInSeconds = runtime.config.toolChecks.approvalTimeoutInSeconds;
    return {
      approved: false,
      why:
        approve === undefined
          ? `no one decided approval ${decided.id} within ${timeoutInSeconds} s (decide with \`warden approvals approve ${decided.id}\`, or set an approve hook in createWarden)`
          : `no answer within ${timeoutInSeconds} s (approval ${decided.id})`,
    };
  };
  const awaitDecision = async (approval: ApprovalRecord): Promise<ApprovalRecord> => {
    const controller = new AbortController();
    try {
      const polled = runtime.approvals.waitForDecision(approval.id, { signal: controller.signal });
      if (approve === undefined) return await polled;
      const { status: _pending, callKey: _none, ...request } = approval;
      const hooked = approve(request).then(async (yes) => {
        try {
          return await runtime.approvals.decide(approval.id, { approve: yes, by: 'approve hook' });
        } catch (error) {
          // Decided elsewhere first (the CLI, or the deadline): that decision stands.
          if (isWardenError(error) && error.code === 'invalid_request') return polled;
          throw error;
        }
      });
      let settled = false;
      // A hook failing after the decision came from elsewhere (the CLI, or the deadline) is still reported.
      hooked.catch((error: unknown) => {
        if (settled) runtime.hooks.onError?.(error);
      });
      try {
        return await Promise.race([polled, hooked]);
      } finally {
        settled = true;
      }
    } finally {
      controller.abort();
    }
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
