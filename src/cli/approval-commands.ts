import type { CliOutput } from './cli-output.js';
import { formatTable, formatTimeInMs } from './format-table.js';
import type { ApprovalDesk } from './store-approvals.js';

interface CommandContext {
  /** A gateway's admin API, or a store opened directly. */
  client: ApprovalDesk;
  output: CliOutput;
  /** Print the API's JSON instead of text for people. */
  json?: boolean;
}

/** `warden approvals list`: tool calls (and held tasks) waiting for a person, and the last day's decisions. */
export async function listApprovalsCommand(options: CommandContext): Promise<void> {
  const approvals = await options.client.listApprovals();
  if (options.json) {
    options.output.out(JSON.stringify(approvals, null, 2));
    return;
  }
  if (approvals.length === 0) {
    options.output.out('No approvals asked for.');
    return;
  }
  const rows = approvals.map((approval) => [
    approval.id,
    approval.status,
    `${approval.tool} ${approval.argumentsJson.length > 60 ? `${approval.argumentsJson.slice(0, 57)}…` : approval.argumentsJson}`,
    approval.taskId ?? approval.keyId ?? '',
    formatTimeInMs(approval.createdAtInMs),
    approval.decidedBy ?? '',
  ]);
  options.output.out(formatTable({ header: ['id', 'status', 'call', 'task or key', 'asked', 'decided by'], rows }));
}

/** `warden approvals approve|deny <id> [--reason]`. */
export async function decideApprovalCommand(options: CommandContext & { id: string; approve: boolean; reason?: string }): Promise<void> {
  const approval = await options.client.decideApproval(options.id, { approve: options.approve, ...(options.reason === undefined ? {} : { reason: options.reason }) });
  if (options.json) {
    options.output.out(JSON.stringify(approval, null, 2));
    return;
  }
  options.output.out(
    approval.status === 'approved'
      ? `Approved ${approval.id}: ${approval.tool} goes through once (an SDK agent waiting on it now; a gateway agent on its next try).`
      : `Denied ${approval.id}: ${approval.tool} is refused for this call.`,
  );
}
