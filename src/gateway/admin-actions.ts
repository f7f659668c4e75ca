import type { ApprovalRecord } from '../core/approval-record.js';
import type { KillSwitch, KillTarget } from '../core/control-records.js';
import type { GatewayContext } from './gateway-context.js';

/**
 * The operator actions the admin API and the control panel share, so both record them the same
 * way: `by` is who did it (`admin`, `admin:<name>`, `ui:<name>`).
 */
export async function setKillSwitch(context: GatewayContext, options: { target: KillTarget; reason: string; by: string }): Promise<KillSwitch> {
  const killSwitch = await context.killSwitches.set({ target: options.target, reason: options.reason.slice(0, 500), by: options.by });
  context.runtime.record({ type: 'kill-switch-set', timeInMs: killSwitch.atInMs, data: { target: killSwitch.target, reason: killSwitch.reason, by: killSwitch.by } });
  return killSwitch;
}

/** Lifts a kill switch; false when it was not on (nothing is recorded then). */
export async function clearKillSwitch(context: GatewayContext, options: { target: KillTarget; by: string }): Promise<boolean> {
  const cleared = await context.killSwitches.clear(options.target);
  if (cleared) context.runtime.record({ type: 'kill-switch-clear', timeInMs: context.clock.now(), data: { target: options.target, by: options.by } });
  return cleared;
}

/** Lets a task the loop detector halted call again; false when it was not halted. */
export async function resumeTask(context: GatewayContext, options: { taskId: string; by: string }): Promise<boolean> {
  const resumed = await context.taskLoops.resume(options.taskId);
  if (resumed) context.runtime.record({ type: 'loop-detect', timeInMs: context.clock.now(), taskId: options.taskId, data: { resumed: true, by: options.by } });
  return resumed;
}

/** Approves or denies a pending approval (the decision is recorded by the approvals themselves). */
export function decideApproval(context: GatewayContext, options: { id: string; approve: boolean; by: string; reason?: string }): Promise<ApprovalRecord> {
  return context.approvals.decide(options.id, { approve: options.approve, by: options.by, ...(options.reason === undefined ? {} : { reason: options.reason.slice(0, 500) }) });
}
