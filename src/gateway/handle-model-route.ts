import type { IncomingMessage, ServerResponse } from 'node:http';
import { timeOrderedId } from '../sdk/time-ordered-id.js';
import type { ApprovalRecord } from '../core/approval-record.js';
import type { BudgetConfig } from '../core/budget-config-schema.js';
import type { CallScopes, TaskRef } from '../core/call-scopes.js';
import type { VirtualKeyRecord } from '../core/control-records.js';
import { budgetLineKey } from '../core/budget-window.js';
import { loopDetectedError } from '../core/loop-detected-error.js';
import type { LoopDetection } from '../core/loop-state.js';
import { nanoToUsdText } from '../core/money.js';
import { routeCall } from '../core/route-call.js';
import { scopeKey } from '../core/scope.js';
import { taskFinishEvent } from '../core/task-outcome.js';
import { WardenError } from '../core/warden-error.js';
import { estimateInputTokens } from '../providers/estimate-input-tokens.js';
import { isRecord } from '../providers/json-fields.js';
import { lastUserText } from '../providers/last-user-text.js';
import { fingerprintRequest } from '../sdk/fingerprint-request.js';
import { attribution } from '../sdk/prepare-call.js';
import { authenticateClient } from './authenticate-client.js';
import { checkOfferedTools } from './check-tools.js';
import { createTaskAnswerRecorder } from './task-answer-recorder.js';
import type { ClientCall, ModelRoute } from './call-attempt.js';
import { forwardCall } from './forward-call.js';
import type { GatewayContext } from './gateway-context.js';
import { killSwitchError } from './kill-switches.js';
import { parseJsonObject, readBody } from './read-body.js';
import { cacheEnabledFor, cacheKeyFor, serveFromCache } from './response-cache.js';
import type { UpstreamSelector } from './select-upstream.js';
import { sendError } from './send-error.js';
import { readWardenHeaders } from './warden-headers.js';

/**
 * Serves one LLM request end to end: authenticate, read, attribute, check kill switches and
 * allowed models, route, answer from the cache or forward under budgets; any refusal in the
 * route's own error dialect.
 */
export async function handleModelRoute(options: { context: GatewayContext; selectUpstream: UpstreamSelector; route: ModelRoute; request: IncomingMessage; response: ServerResponse }): Promise<void> {
  const { context, route, request, response } = options;
  const abort = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  const call: ClientCall = {
    requestId: timeOrderedId(),
    route,
    request,
    response,
    stream: false,
    times: { receivedAtInMs: context.clock.now() },
    abort,
    fallbacks: [],
  };
  let outcome = { status: 200, code: 'ok' };
  let requestedModel: string | undefined;
  let key: VirtualKeyRecord | undefined;
  // x-warden-task-outcome: recorded for the task once the call has ended, whatever its result.
  let taskFinish: Omit<Parameters<typeof taskFinishEvent>[0], 'timeInMs'> | undefined;
  try {
    key = await authenticateClient(context.keys, request.headers);
    const bodyText = (await readBody(request, context.config.server.maxBodyInBytes)).toString('utf8');
    call.requestFingerprint = fingerprintRequest({ dialect: route.dialect, bodyText });
    let body: Readonly<Record<string, unknown>> = parseJsonObject(bodyText);
    requestedModel = requireModel(body);
    call.stream = body.stream === true && route.dialect !== 'openai-embeddings';
    const headers = readWardenHeaders({ headers: request.headers, config: context.config, nowInMs: call.times.receivedAtInMs, requestId: call.requestId });
    const scopes: CallScopes = {
      org: context.config.org,
      ...(key.team === undefined ? {} : { team: key.team }),
      key: key.id,
      tasks: headers.tasks,
      ...userOf(headers.user, body),
      tags: headers.tags,
      model: requestedModel,
      provider: '',
    };
    const finishedTask = headers.tasks.at(-1);
    if (headers.taskOutcome !== undefined && finishedTask !== undefined) {
      taskFinish = { taskId: finishedTask.id, outcome: headers.taskOutcome, by: 'header', requestId: call.requestId, attribution: attribution(scopes) };
    }
    const killSwitch = context.killSwitches.match(scopes);
    const refusal = killSwitch ? killSwitchError(killSwitch) : modelRefusal(key, requestedModel, headers.tier);
    if (refusal) {
      recordRefusal(context, { requestId: call.requestId, scopes, error: refusal });
      throw refusal;
    }
    const taskId = headers.tasks.at(-1)?.id;
    if (taskId !== undefined) {
      if (context.taskLoops.enabled || context.taskLimits.enabled) await checkTask(context, { taskId, tasks: headers.tasks, requestId: call.requestId, scopes, keyId: key.id });
      await checkTaskSpend(context, { taskId, ...(headers.taskType === undefined ? {} : { taskType: headers.taskType }), requestId: call.requestId, scopes, keyId: key.id });
    }
    if (context.config.toolPolicies.length > 0) {
      call.toolCheck = {
        subject: { ...(key.team === undefined ? {} : { team: key.team }), key: key.id, ...(headers.taskType === undefined ? {} : { taskType: headers.taskType }) },
        scopes,
        requestId: call.requestId,
        ...(taskId === undefined ? {} : { taskId }),
      };
      body = checkOfferedTools({ context, dialect: route.dialect, body, who: call.toolCheck });
    }
    const plan = routeCall({
      config: context.config,
      facts: {
        requestedModel,
        ...(headers.tier === undefined ? {} : { tierHeader: headers.tier }),
        headers: routingReadsHeaders(context) ? flatHeaders(request.headers) : {},
        ...(headers.taskType === undefined ? {} : { taskType: headers.taskType }),
        inputTokens: needsTokenCount(context, requestedModel) ? estimateInputTokens({ dialect: route.dialect, body, model: 'gpt-4o', tokensPerImage: context.config.estimation.tokensPerImage }).tokens : 0,
        lastUserText: context.config.routing.rules.length > 0 ? lastUserText(route.dialect, body) : '',
      },
    });
    if (plan.tier !== undefined) call.tier = plan.tier;
    if (plan.reason !== 'model') call.routing = { from: requestedModel, reason: plan.reason };
    if (cacheEnabledFor(context, key)) {
      call.cacheKey = cacheKeyFor({ route: route.path, bodyText, key: key });
      if (await serveFromCache({ context, call, scopes })) {
        outcome = { status: 200, code: 'cached' };
        return;
      }
    }
    const recordAnswer = createTaskAnswerRecorder({ context, call, tasks: headers.tasks, dialect: route.dialect, body, scopes });
    try {
      await forwardCall({
        context,
        selectUpstream: options.selectUpstream,
        call,
        body,
        candidates: plan.candidates,
        scopes,
        extraBudgets: keyBudgets(key),
        ...(headers.maxCostInNanoUsd === undefined ? {} : { maxCostInNanoUsd: headers.maxCostInNanoUsd }),
      });
    } catch (error) {
      if (error instanceof WardenError && (error.code === 'upstream_error' || error.code === 'upstream_timeout')) await recordAnswer(true);
      throw error;
    }
    await recordAnswer(response.statusCode !== 200);
    outcome = { status: response.statusCode, code: response.statusCode === 200 ? 'ok' : 'upstream_client_error' };
  } catch (error) {
    outcome = sendError({ response, dialect: route.errorDialect, error, requestId: call.requestId });
    if (error instanceof WardenError) context.metrics.refusals.inc({ code: error.code });
    else context.logger.error({ requestId: call.requestId, route: route.path, err: error }, 'internal error');
  } finally {
    if (taskFinish !== undefined) context.runtime.record(taskFinishEvent({ ...taskFinish, timeInMs: context.clock.now() }));
    const totalInMs = context.clock.now() - call.times.receivedAtInMs;
    context.metrics.requests.inc({ route: route.path, status: String(outcome.status) });
    context.metrics.requestDuration.observe({ route: route.path }, totalInMs / 1000);
    if (context.config.logging.requests) {
      context.logger.info(
        { requestId: call.requestId, route: route.path, status: outcome.status, code: outcome.code, keyId: key?.id, model: requestedModel, stream: call.stream, totalInMs },
        'request',
      );
    }
  }
}

function requireModel(body: Readonly<Record<string, unknown>>): string {
  if (typeof body.model !== 'string' || body.model.trim() === '') {
    throw new WardenError('invalid_request', 'The request has no "model". Name a model (e.g. "gpt-4o-mini"), a tier (e.g. "fast"), or "auto".');
  }
  return body.model;
}

function userOf(header: string | undefined, body: Readonly<Record<string, unknown>>): { user?: string } {
  if (header !== undefined) return { user: header };
  if (typeof body.user === 'string' && body.user !== '') return { user: body.user };
  const metadataUser = isRecord(body.metadata) ? body.metadata.user_id : undefined;
  return typeof metadataUser === 'string' && metadataUser !== '' ? { user: metadataUser } : {};
}

function modelRefusal(key: VirtualKeyRecord, model: string, tierHeader: string | undefined): WardenError | undefined {
  if (key.models === undefined) return undefined;
  // Routing follows x-warden-tier over the body's model, so the tier it names is what the key must allow.
  const tier = tierHeader?.trim().toLowerCase();
  if (tier) {
    if (key.models.includes(tier)) return undefined;
    return new WardenError('model_not_allowed', `This key may not use tier "${tier}" (x-warden-tier). It may call: ${key.models.join(', ')}. Drop the header, or ask an admin to widen the key's models.`, {
      details: { tier, allowed: key.models },
    });
  }
  if (key.models.includes(model)) return undefined;
  return new WardenError('model_not_allowed', `This key may not call "${model}". It may call: ${key.models.join(', ')}. Ask an admin to widen the key's models.`, {
    details: { model, allowed: key.models },
  });
}

function routingReadsHeaders(context: GatewayContext): boolean {
  return context.config.routing.rules.some((rule) => rule.when.headers !== undefined);
}

/** Token counts only matter to routing rules that test them, and only when routing decides. */
function needsTokenCount(context: GatewayContext, requestedModel: string): boolean {
  const routed = requestedModel === 'auto' || Object.hasOwn(context.config.tiers, requestedModel);
  return routed && context.config.routing.rules.some((rule) => rule.when.minInputTokens !== undefined || rule.when.maxInputTokens !== undefined);
}

function keyBudgets(key: VirtualKeyRecord): BudgetConfig[] {
  return key.budgets.map((budget) => ({
    scope: `key:${key.id}`,
    window: budget.window,
    ...(budget.hardInNanoUsd === undefined ? {} : { hard: budget.hardInNanoUsd }),
    ...(budget.softInNanoUsd === undefined ? {} : { soft: budget.softInNanoUsd }),
    ...(budget.calls === undefined ? {} : { calls: budget.calls }),
    ...(budget.mode === undefined ? {} : { mode: budget.mode }),
    clamp: true,
    ladder: [],
  }));
}

function flatHeaders(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name] = Array.isArray(value) ? value[0] : value;
  return flat;
}

/** Refuses a call of a task the loop detector halted or that is over a task limit, and says so in the ledger. */
async function checkTask(context: GatewayContext, options: { taskId: string; tasks: readonly TaskRef[]; requestId: string; scopes: CallScopes; keyId: string }): Promise<void> {
  try {
    const detection = await context.taskLoops.halted(options.taskId);
    if (detection !== undefined && !(detection.action === 'pause' && (await resumeIfApproved(context, options, detection)))) throw loopDetectedError(detection, options.taskId);
    await context.taskLimits.check(options.tasks);
  } catch (error) {
    if (error instanceof WardenError) recordRefusal(context, { requestId: options.requestId, scopes: options.scopes, error });
    throw error;
  }
}

/** A call refused before any money moved still gets its ledger row, so reports and the panel count it by code. */
function recordRefusal(context: GatewayContext, options: { requestId: string; scopes: CallScopes; error: WardenError }): void {
  const { error } = options;
  context.runtime.record({ type: 'call-refuse', timeInMs: context.clock.now(), requestId: options.requestId, ...attribution(options.scopes), requestedModel: options.scopes.model, status: 'refused', errorCode: error.code, data: { message: error.message } });
}

/**
 * A task halted with action pause waits for a person: its calls are held as an approval to
 * continue (approval_pending); once approved, the task resumes and this call goes on (true).
 * False when the approval was denied or expired: the task stays halted.
 */
async function resumeIfApproved(context: GatewayContext, options: { taskId: string; requestId: string; scopes: CallScopes; keyId: string }, detection: LoopDetection): Promise<boolean> {
  const approval = await askToContinue(context, options, { why: { reason: detection.reason }, reason: `the task looks ${detection.kind === 'loop' ? 'stuck in a loop' : 'stuck'}: ${detection.detail}` });
  if (approval.status === 'approved') {
    await context.taskLoops.resume(options.taskId);
    return true;
  }
  if (approval.status === 'pending') {
    throw new WardenError(
      'approval_pending',
      `Task "${options.taskId}" is paused: it looks ${detection.kind === 'loop' ? 'stuck in a loop' : 'stuck'} (${detection.detail}). Approval ${approval.id} asks a person whether it may go on: \`warden approvals approve ${approval.id}\` (or deny), then retry.`,
      { details: { taskId: options.taskId, approvalId: approval.id, reason: detection.reason } },
    );
  }
  return false;
}

/**
 * A task of a type with approveSpendAbove that has spent that much waits for a person before
 * spending more: its call is held as an approval (approval_pending); once approved the task goes
 * on without asking again.
 */
async function checkTaskSpend(context: GatewayContext, options: { taskId: string; taskType?: string; requestId: string; scopes: CallScopes; keyId: string }): Promise<void> {
  const threshold = options.taskType === undefined ? undefined : context.config.taskTypes[options.taskType]?.approveSpendAbove;
  if (threshold === undefined || (await context.taskLimits.spendApproved(options.taskId))) return;
  const [line] = await context.store.snapshot([budgetLineKey(scopeKey('task', options.taskId), { window: 'total', label: 'all' })]);
  const spent = line?.committedInNanoUsd ?? 0;
  if (spent < threshold) return;
  const approval = await askToContinue(context, options, {
    why: { spentAbove: nanoToUsdText(threshold) },
    reason: `the task has spent $${nanoToUsdText(spent)}, past taskTypes.${options.taskType}.approveSpendAbove ($${nanoToUsdText(threshold)})`,
  });
  if (approval.status === 'approved') {
    await context.taskLimits.approveSpend(options.taskId);
    return;
  }
  throw new WardenError(
    approval.status === 'pending' ? 'approval_pending' : 'budget_exceeded',
    approval.status === 'pending'
      ? `Task "${options.taskId}" has spent $${nanoToUsdText(spent)}, past the $${nanoToUsdText(threshold)} that needs a person's approval. Approval ${approval.id} is pending: \`warden approvals approve ${approval.id}\`, then retry.`
      : `Task "${options.taskId}" may not spend more: approval ${approval.id} to go past $${nanoToUsdText(threshold)} was ${approval.status}.`,
    { details: { taskId: options.taskId, approvalId: approval.id } },
  );
}

/** The approval a paused task waits on to go on (one per task and cause while it is open; an approved one is spent by this call). */
function askToContinue(context: GatewayContext, options: { taskId: string; requestId: string; scopes: CallScopes; keyId: string }, ask: { why: Record<string, string>; reason: string }): Promise<ApprovalRecord> {
  return context.approvals.request({
    tool: 'continue-task',
    argumentsJson: JSON.stringify({ taskId: options.taskId, ...ask.why }),
    reason: ask.reason,
    taskId: options.taskId,
    keyId: options.keyId,
    ...(options.scopes.team === undefined ? {} : { team: options.scopes.team }),
    requestId: options.requestId,
  });
}
