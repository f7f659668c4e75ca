import type { CallScopes } from '../core/call-scopes.js';
import { decideTool, decideToolOffer, type ToolDecision, type ToolSubject } from '../core/decide-tool.js';
import type { ObservedToolCall } from '../core/loop-observation.js';
import { WardenError } from '../core/warden-error.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
import { offeredToolNames, withoutTools } from '../providers/offered-tools.js';
import { attribution } from '../sdk/prepare-call.js';
import type { GatewayContext } from './gateway-context.js';

/** Who a call's tools are judged for, and where its denials are filed. */
export interface ToolCheckSubject {
  subject: ToolSubject;
  scopes: CallScopes;
  requestId: string;
  taskId?: string;
}

/**
 * Checks the tools a request offers against the tool policy (by name: arguments are only known
 * when the model calls one). Returns the body to send: unchanged, or without the denied tools
 * when toolChecks.offered is strip; throws tool_not_allowed when it is refuse. Each denied tool
 * is a `tool-deny` security event in the ledger.
 */
export function checkOfferedTools(options: { context: GatewayContext; dialect: Dialect; body: Readonly<Record<string, unknown>>; who: ToolCheckSubject }): Readonly<Record<string, unknown>> {
  const { context, dialect, body, who } = options;
  const policies = context.config.toolPolicies;
  if (policies.length === 0) return body;
  const denied = offeredToolNames(dialect, body).flatMap((name) => {
    const decision = decideToolOffer({ policies, subject: who.subject, name });
    return decision.kind === 'deny' ? [{ name, decision }] : [];
  });
  if (denied.length === 0) return body;
  const strip = context.config.toolChecks.offered === 'strip';
  for (const { name, decision } of denied) recordDenial(context, who, { stage: 'offered', name, decision, action: strip ? 'stripped' : 'refused' });
  if (strip) return withoutTools(dialect, body, new Set(denied.map(({ name }) => name)));
  const first = denied[0] as (typeof denied)[number];
  throw toolNotAllowed(`The request offers tool${denied.length > 1 ? 's' : ''} ${denied.map(({ name }) => `"${name}"`).join(', ')} the tool policy does not allow: ${reasonOf(first.decision)}. Remove ${denied.length > 1 ? 'them' : 'it'} from "tools", or allow ${denied.length > 1 ? 'them' : 'it'} in toolPolicies.`, denied.map(({ name }) => name));
}

/**
 * Checks the tools an answer calls, with their arguments. Returns the refusal to send instead of
 * the answer when toolChecks.called is refuse and a call is not allowed, or needs an approval
 * not given yet (approval_pending, with the approval's id); with flag it only files the events.
 */
export async function checkCalledTools(options: { context: GatewayContext; toolCalls: readonly ObservedToolCall[]; who: ToolCheckSubject; streamed?: boolean }): Promise<WardenError | undefined> {
  const { context, toolCalls, who } = options;
  const policies = context.config.toolPolicies;
  if (policies.length === 0 || toolCalls.length === 0) return undefined;
  // A streamed answer has reached the client by the time its calls are complete: it can only be flagged.
  const refuse = context.config.toolChecks.called === 'refuse' && options.streamed !== true;
  let refusal: WardenError | undefined;
  for (const call of toolCalls) {
    const decision = await decideTool({ policies, subject: who.subject, name: call.name, args: parsedArguments(call.argumentsJson), resolvePath: (path) => path });
    if (decision.kind === 'allow') continue;
    if (decision.kind === 'approval-required' && refuse) {
      refusal ??= approvalOutcome(context, who, call, decision);
      continue;
    }
    recordDenial(context, who, { stage: options.streamed === true ? 'called (streamed)' : 'called', name: call.name, decision, action: refuse ? 'refused' : 'flagged' });
    refusal ??= toolNotAllowed(`The model called tool "${call.name}", which the tool policy does not allow here: ${decision.reason}. The answer was not relayed; the call is charged.`, [call.name]);
  }
  return refuse ? refusal : undefined;
}

/** A call the policy holds for a person: through once approved, refused while pending, denied or expired. */
function approvalOutcome(context: GatewayContext, who: ToolCheckSubject, call: ObservedToolCall, decision: Extract<ToolDecision, { kind: 'approval-required' }>): WardenError | undefined {
  const approval = context.approvals.request({
    tool: call.name,
    argumentsJson: call.argumentsJson,
    reason: decision.reason,
    rule: decision.rule.path,
    ...(who.taskId === undefined ? {} : { taskId: who.taskId }),
    keyId: who.subject.key ?? '',
    ...(who.subject.team === undefined ? {} : { team: who.subject.team }),
    requestId: who.requestId,
  });
  const details = { tools: [call.name], approvalId: approval.id, status: approval.status };
  switch (approval.status) {
    case 'approved':
      context.approvals.use(approval.id);
      return undefined;
    case 'pending':
      return new WardenError(
        'approval_pending',
        `The model called tool "${call.name}", which needs a person's approval (${decision.reason}). Approval ${approval.id} is pending: an operator runs \`warden approvals approve ${approval.id}\` (or deny), then retry this call. It expires in ${Math.round((approval.expiresAtInMs - context.clock.now()) / 1000)} s.`,
        { details },
      );
    case 'denied':
      return new WardenError('tool_not_allowed', `Tool "${call.name}" was denied by ${approval.decidedBy ?? 'an operator'}${approval.decisionReason ? `: ${approval.decisionReason}` : ''} (approval ${approval.id}). Do not retry it.`, { details });
    default:
      return new WardenError('tool_not_allowed', `Tool "${call.name}" needed an approval that no one gave in time (approval ${approval.id} ${approval.status}). Ask again by retrying, or have an operator approve sooner.`, { details });
  }
}

function recordDenial(context: GatewayContext, who: ToolCheckSubject, denial: { stage: 'offered' | 'called' | 'called (streamed)'; name: string; decision: Exclude<ToolDecision, { kind: 'allow' }>; action: string }): void {
  context.runtime.record({
    type: 'tool-deny',
    timeInMs: context.clock.now(),
    requestId: who.requestId,
    ...attribution(who.scopes),
    data: { stage: denial.stage, tool: denial.name, decision: denial.decision.kind, reason: denial.decision.reason, action: denial.action, ...(denial.decision.rule === undefined ? {} : { rule: denial.decision.rule.path }) },
  });
}

function reasonOf(decision: Exclude<ToolDecision, { kind: 'allow' }>): string {
  return decision.reason;
}

function toolNotAllowed(message: string, tools: string[]): WardenError {
  return new WardenError('tool_not_allowed', message, { details: { tools } });
}

/** Arguments the model wrote; text that is not JSON is judged as a plain string (and fails argument rules). */
function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return text;
    throw error;
  }
}
