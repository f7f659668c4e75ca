import type { CallScopes } from '../core/call-scopes.js';
import type { ToolDecision, ToolSubject } from '../core/decide-tool.js';
import type { ObservedToolCall } from '../core/loop-observation.js';
import { parseToolArguments } from '../core/parse-tool-arguments.js';
import { decideToolOfferWithShadow, decideToolWithShadow, type ToolPolicyModes } from '../core/shadow-tool-policies.js';
import { WardenError } from '../core/warden-error.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
import { offeredToolNames, withoutTools } from '../providers/offered-tools.js';
import { attribution } from '../sdk/prepare-call.js';
import { recordShadowTool } from '../sdk/record-shadow.js';
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
  const strip = context.config.toolChecks.offered === 'strip';
  const denied = offeredToolNames(dialect, body).flatMap((name) => {
    const { decision, shadow } = decideToolOfferWithShadow({ modes: toolModes(context), subject: who.subject, name });
    if (shadow !== undefined) recordShadowTool(context.runtime, { requestId: who.requestId, stage: 'offered', tool: name, decision: shadow, action: strip ? 'stripped' : 'refused' }, attribution(who.scopes));
    return decision.kind === 'deny' ? [{ name, decision }] : [];
  });
  if (denied.length === 0) return body;
  for (const { name, decision } of denied) recordDenial(context, who, { stage: 'offered', name, decision, action: strip ? 'stripped' : 'refused' });
  if (strip) return withoutTools(dialect, body, new Set(denied.map(({ name }) => name)));
  const first = denied[0] as (typeof denied)[number];
  throw toolNotAllowed(`The request offers tool${denied.length > 1 ? 's' : ''} ${denied.map(({ name }) => `"${name}"`).join(', ')} the tool policy does not allow: ${reasonOf(first.decision)}. Remove ${denied.length > 1 ? 'them' : 'it'} from "tools", or allow ${denied.length > 1 ? 'them' : 'it'} in toolPolicies.`, denied.map(({ name }) => name));
}

/**
 * Checks the tools an answer calls, with their arguments. Returns the refusal to send instead of
 * the answer when toolChecks.called is refuse and a call is not allowed, or needs an approval
 * not given yet (approval_pending, with the approval's id); with flag it only files the events.
 * A streamed answer is checked call by call as each completes (checkStreamedToolCall) when
 * refusing; with flag its calls come here once it has ended.
 */
export async function checkCalledTools(options: { context: GatewayContext; toolCalls: readonly ObservedToolCall[]; who: ToolCheckSubject; streamed?: boolean }): Promise<WardenError | undefined> {
  const { context, toolCalls, who } = options;
  if (context.config.toolPolicies.length === 0 || toolCalls.length === 0) return undefined;
  const refuse = context.config.toolChecks.called === 'refuse';
  let refusal: WardenError | undefined;
  for (const call of toolCalls) {
    const outcome = await checkCalledTool({ context, call, who, refuse, streamed: options.streamed === true });
    refusal ??= outcome;
  }
  return refuse ? refusal : undefined;
}

/**
 * Checks one complete tool call of a streamed answer whose tool-call chunks are held back
 * (toolChecks.called is refuse): the refusal to end the stream with, or undefined to let it through.
 */
export function checkStreamedToolCall(options: { context: GatewayContext; call: ObservedToolCall; who: ToolCheckSubject }): Promise<WardenError | undefined> {
  return checkCalledTool({ ...options, refuse: true, streamed: true });
}

async function checkCalledTool(options: { context: GatewayContext; call: ObservedToolCall; who: ToolCheckSubject; refuse: boolean; streamed: boolean }): Promise<WardenError | undefined> {
  const { context, call, who, refuse, streamed } = options;
  const { decision, shadow } = await decideToolWithShadow({ modes: toolModes(context), subject: who.subject, name: call.name, args: parseToolArguments(call.argumentsJson), resolvePath: (path) => path });
  if (shadow !== undefined) {
    recordShadowTool(context.runtime, { requestId: who.requestId, stage: streamed ? 'called (streamed)' : 'called', tool: call.name, decision: shadow, action: refuse ? 'refused' : 'flagged' }, attribution(who.scopes));
  }
  if (decision.kind === 'allow') return undefined;
  if (decision.kind === 'approval-required' && refuse) return approvalOutcome(context, who, call, decision);
  recordDenial(context, who, { stage: streamed ? 'called (streamed)' : 'called', name: call.name, decision, action: refuse ? 'refused' : 'flagged' });
  const what = streamed
    ? 'The stream was ended before the call; what the model generated is charged.'
    : 'The answer was not relayed; the call is charged.';
  return toolNotAllowed(`The model called tool "${call.name}", which the tool policy does not allow here: ${decision.reason}. ${what} Retry with different instructions, or have an operator allow the call in toolPolicies.`, [call.name]);
}

/**
 * A call the policy holds for a person: through once approved (the approval is spent, on whichever
 * replica the retry reaches), refused while pending, denied or expired.
 */
async function approvalOutcome(context: GatewayContext, who: ToolCheckSubject, call: ObservedToolCall, decision: Extract<ToolDecision, { kind: 'approval-required' }>): Promise<WardenError | undefined> {
  const approval = await context.approvals.request({
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

function toolModes(context: GatewayContext): ToolPolicyModes {
  return { policies: context.config.toolPolicies, mode: context.config.toolChecks.mode };
}

function reasonOf(decision: Exclude<ToolDecision, { kind: 'allow' }>): string {
  return decision.reason;
}

function toolNotAllowed(message: string, tools: string[]): WardenError {
  return new WardenError('tool_not_allowed', message, { details: { tools } });
}
