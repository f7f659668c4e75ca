import type { BudgetConfig } from '../core/budget-config-schema.js';
import type { CallScopes } from '../core/call-scopes.js';
import type { NanoUsd } from '../core/money.js';
import { decideRetry, type RetryDecision } from '../core/retry-policy.js';
import { WardenError } from '../core/warden-error.js';
import { asksForStreamUsage, withStreamUsage } from '../providers/dialect-usage.js';
import { attribution, prepareCall, type CallRequest, type PreparedCall } from '../sdk/prepare-call.js';
import { retryPolicyFrom } from '../sdk/run-guarded.js';
import { settleCall } from '../sdk/settle-call.js';
import { attemptLedgerData, type CallAttempt, type ClientCall } from './call-attempt.js';
import type { GatewayContext } from './gateway-context.js';
import type { InFlightCall } from './in-flight-calls.js';
import { killSwitchError } from './kill-switches.js';
import { relayJson } from './relay-json.js';
import { relayStream } from './relay-stream.js';
import type { UpstreamSelector } from './select-upstream.js';
import type { TranslationPlan } from './translation-plan.js';
import { planTranslation } from './translation-plan.js';
import type { Upstream } from './upstream.js';
import { failureFromError, failureFromStatus, isAbort, type UpstreamFailure } from './upstream-failure.js';

export interface ForwardOptions {
  context: GatewayContext;
  selectUpstream: UpstreamSelector;
  call: ClientCall;
  body: Readonly<Record<string, unknown>>;
  /** Models to try in order: the routed one, then its fallbacks. */
  candidates: readonly string[];
  scopes: CallScopes;
  extraBudgets: readonly BudgetConfig[];
  maxCostInNanoUsd?: NanoUsd;
}

/** Why a candidate model was passed over, for the final error and the ledger. */
interface Skip {
  model: string;
  reason: string;
  failure?: UpstreamFailure;
  refusal?: WardenError;
  stop?: Extract<RetryDecision, { retry: false }>;
}

/** The end of one candidate: answered (or the client left), or a reason to try the next. */
type CandidateResult = { done: true } | { done: false; skip: Skip } | { done: true; clientFailure: UpstreamFailure; translation: TranslationPlan };

/**
 * Sends a call to its routed model and, when that fails (429, 5xx, timeouts, an open circuit,
 * a budget that cannot cover it), to each fallback in turn; retries each under the retry
 * policy, every attempt reserved like a new call.
 */
export async function forwardCall(options: ForwardOptions): Promise<void> {
  const { context, call, candidates } = options;
  const skips: Skip[] = [];
  for (const [index, model] of candidates.entries()) {
    if (index > 0) {
      const from = candidates[index - 1] as string;
      call.fallbacks.push(from);
      context.metrics.fallbacks.inc({ from, to: model });
      context.runtime.record({ type: 'call-fallback', timeInMs: context.clock.now(), requestId: call.requestId, requestedModel: from, model, ...attribution(options.scopes), data: { reason: skips.at(-1)?.reason } });
    }
    const killSwitch = context.killSwitches.match({ ...options.scopes, model });
    if (killSwitch) {
      skips.push({ model, reason: 'kill switch', refusal: killSwitchError(killSwitch) });
      continue;
    }
    const upstream = options.selectUpstream(model);
    if (!upstream) {
      skips.push({ model, reason: 'no provider', refusal: noProviderError(model) });
      continue;
    }
    if (!context.breaker.canRequest(upstream.name)) {
      skips.push({ model, reason: `circuit open for ${upstream.name}` });
      continue;
    }
    const translation = planTranslation(call.route.dialect, upstream);
    if (!translation) {
      skips.push({ model, reason: 'no translation', refusal: untranslatableError(call.route.path, model, upstream.name) });
      continue;
    }
    const result = await tryCandidate({ ...options, model, upstream, translation });
    if (result.done) {
      if ('clientFailure' in result) sendClientFailure(call, result.clientFailure, result.translation);
      return;
    }
    skips.push(result.skip);
  }
  throw finalError(skips);
}

async function tryCandidate(options: ForwardOptions & { model: string; upstream: Upstream; translation: TranslationPlan }): Promise<CandidateResult> {
  const { context, call, model, upstream, translation } = options;
  let translated: Record<string, unknown>;
  try {
    translated = translation.requestToUpstream({ ...options.body, model });
  } catch (error) {
    // A request that cannot be translated for this model may still suit the next candidate.
    if (error instanceof WardenError) return { done: false, skip: { model, reason: 'untranslatable request', refusal: error } };
    throw error;
  }
  // OpenAI chat streams report usage only when asked; Warden always asks.
  const upstreamBody = call.stream && translation.upstreamDialect === 'openai-chat' ? withStreamUsage(translated).body : translated;
  const hideUsageChunk = call.stream && call.route.dialect === 'openai-chat' && !asksForStreamUsage(options.body);
  const policy = retryPolicyFrom(context.config);
  let retrySpentInNanoUsd = 0;

  const request: CallRequest = {
    dialect: translation.upstreamDialect,
    body: upstreamBody,
    provider: upstream.name,
    priceProvider: upstream.priceProvider,
    scopes: options.scopes,
    requestId: call.requestId,
    extraBudgets: options.extraBudgets,
    ...(call.requestFingerprint === undefined ? {} : { requestFingerprint: call.requestFingerprint }),
    ...(options.maxCostInNanoUsd === undefined ? {} : { maxCostInNanoUsd: options.maxCostInNanoUsd }),
    // A soft-limit downgrade must stay on this upstream: another might not speak this dialect.
    allowDowngrade: (toModel) => options.selectUpstream(toModel) === upstream,
  };

  for (let attemptNumber = 1; ; attemptNumber += 1) {
    let prepared: PreparedCall;
    try {
      prepared = await prepareCall(context.runtime, request);
    } catch (error) {
      if (error instanceof WardenError && (error.code === 'budget_exceeded' || error.code === 'call_limit_exceeded')) {
        return { done: false, skip: { model, reason: error.code, refusal: error } };
      }
      throw error;
    }
    const attempt: CallAttempt = { call, prepared, upstream, translation, hideUsageChunk, retries: attemptNumber - 1 };
    const failure = await sendAttempt(context, attempt);
    if (failure === undefined) return { done: true };
    if (failure.kind === 'client') return { done: true, clientFailure: failure, translation };
    context.breaker.recordFailure(upstream.name);
    if (failure.kind === 'credentials') return { done: false, skip: { model, reason: failure.summary, failure } };
    const decision = decideRetry({
      error: failure.retryable,
      attempt: attemptNumber,
      retrySpentInNanoUsd,
      nextAttemptEstimateInNanoUsd: prepared.estimateInNanoUsd,
      policy,
      random: context.runtime.random,
      nowInMs: context.clock.now(),
    });
    context.runtime.record({
      type: 'call-retry',
      timeInMs: context.clock.now(),
      requestId: call.requestId,
      model: prepared.model,
      ...prepared.attribution,
      retries: attemptNumber - 1,
      data: decision.retry ? { attempt: attemptNumber, failure: failure.summary, delayInMs: decision.delayInMs } : { attempt: attemptNumber, failure: failure.summary, stopped: decision.code, reason: decision.reason },
    });
    if (!decision.retry) return { done: false, skip: { model, reason: failure.summary, failure, stop: decision } };
    retrySpentInNanoUsd += prepared.estimateInNanoUsd;
    context.metrics.retries.inc({ provider: upstream.name });
    try {
      await context.runtime.sleep(decision.delayInMs, call.abort.signal);
    } catch (error) {
      if (call.abort.signal.aborted) return { done: true };
      throw error;
    }
    if (!context.breaker.canRequest(upstream.name)) return { done: false, skip: { model, reason: `circuit open for ${upstream.name}`, failure } };
    // A kill switch set while the call waited to retry stops it before it is sent again.
    const killSwitch = context.killSwitches.match({ ...options.scopes, model });
    if (killSwitch) return { done: false, skip: { model, reason: 'kill switch', refusal: killSwitchError(killSwitch) } };
  }
}

/**
 * Sends one reserved attempt and answers the client when it succeeds. Returns the failure when
 * it did not, with the reservation already released; nothing has reached the client then.
 */
async function sendAttempt(context: GatewayContext, attempt: CallAttempt): Promise<UpstreamFailure | undefined> {
  const { call, prepared, upstream } = attempt;
  const controller = call.abort;
  let endedBy: WardenError | undefined;
  const inFlight: InFlightCall = {
    requestId: call.requestId,
    scopes: prepared.scopes,
    startedAtInMs: call.times.receivedAtInMs,
    end: (error) => {
      endedBy = error;
      controller.abort();
    },
  };
  const unregister = context.inFlight.add(inFlight);
  context.metrics.reservationsInFlight.inc();
  const settleFailed = (status: 'upstream_error' | 'client_disconnected' | 'refused', errorCode: string) =>
    settleCall(context.runtime, prepared, { status, errorCode, retries: attempt.retries, data: attemptLedgerData(attempt, context.clock.now()) });
  try {
    call.times.upstreamStartedAtInMs = context.clock.now();
    let upstreamResponse;
    let upstreamText: string | undefined;
    try {
      upstreamResponse = await upstream.send({ dialect: attempt.translation.upstreamDialect, body: JSON.stringify(prepared.body), clientHeaders: call.request.headers, signal: controller.signal });
      if (upstreamResponse.statusCode !== 200 || !call.stream) upstreamText = await upstreamResponse.body.text();
    } catch (error) {
      if (endedBy) {
        await settleFailed('refused', endedBy.code);
        throw endedBy;
      }
      if (controller.signal.aborted || isAbort(error)) {
        // The client left: the provider may have generated the answer; charge the bound, as for a cut stream.
        await settleCall(context.runtime, prepared, { status: 'client_disconnected', retries: attempt.retries, data: attemptLedgerData(attempt, context.clock.now()) });
        return undefined;
      }
      const failure = failureFromError({ upstream: upstream.name, error });
      if (upstreamResponse?.statusCode === 200) {
        // The answer broke off mid-body: the provider generated (and bills) it, but its usage is lost.
        await settleCall(context.runtime, prepared, { status: 'upstream_error', errorCode: 'upstream_body_broken', usageLost: true, retries: attempt.retries, data: attemptLedgerData(attempt, context.clock.now()) });
        return failure;
      }
      await settleFailed('upstream_error', failure.retryable.kind ?? 'connection');
      return failure;
    }
    context.metrics.upstreamDuration.observe({ provider: upstream.name }, (context.clock.now() - call.times.upstreamStartedAtInMs) / 1000);
    if (upstreamResponse.statusCode === 200) {
      context.breaker.recordSuccess(upstream.name);
      if (upstreamText === undefined) await relayStream({ context, attempt, upstreamResponse, inFlight, abortUpstream: () => controller.abort() });
      else await relayJson({ context, attempt, upstreamText });
      return undefined;
    }
    const failure = failureFromStatus({ upstream: upstream.name, status: upstreamResponse.statusCode, headers: upstreamResponse.headers, bodyText: upstream.withoutCredentials(upstreamText ?? '') });
    await settleFailed('upstream_error', `http_${upstreamResponse.statusCode}`);
    return failure;
  } finally {
    unregister();
    context.metrics.reservationsInFlight.dec();
  }
}

/** A 4xx the provider gave for the request itself: the client gets it in its own dialect. */
function sendClientFailure(call: ClientCall, failure: UpstreamFailure, translation: TranslationPlan): void {
  let bodyText = failure.bodyText ?? '';
  if (translation.errorToClient) {
    try {
      bodyText = JSON.stringify(translation.errorToClient(JSON.parse(bodyText)));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  const bytes = Buffer.from(bodyText);
  call.response.writeHead(failure.status ?? 400, {
    'content-type': 'application/json',
    'content-length': bytes.length,
    'x-should-retry': 'false',
    'x-warden-request-id': call.requestId,
  });
  call.response.end(bytes);
}

function noProviderError(model: string): WardenError {
  return new WardenError('not_found', `No provider serves model "${model}". Add it to a provider's models list, or map it under models in the config.`, { details: { model } });
}

function untranslatableError(route: string, model: string, upstream: string): WardenError {
  return new WardenError(
    'invalid_request',
    `${route} cannot reach "${model}" on ${upstream}: that route's requests cannot be translated faithfully for it. Use /v1/chat/completions or /v1/messages, or pick a model ${upstream} serves in this dialect.`,
    { details: { model, upstream: upstream } },
  );
}

/** The error when every candidate was passed over: a refusal when nothing was tried, else the upstream failures. */
function finalError(skips: readonly Skip[]): WardenError {
  const tried = skips.filter((skip) => skip.failure !== undefined);
  if (tried.length === 0) {
    const first = skips.find((skip) => skip.refusal !== undefined)?.refusal;
    if (first) return first;
    return new WardenError('upstream_error', `Every upstream for this call is unavailable (${skips.map((skip) => `${skip.model}: ${skip.reason}`).join('; ')}). Try again shortly.`);
  }
  const summary = skips.map((skip) => `${skip.model}: ${skip.stop ? skip.stop.reason : skip.reason}`).join('; ');
  if (skips.some((skip) => skip.stop?.code === 'money_cap')) {
    return new WardenError('retry_budget_exhausted', `Retries stopped at the retry money cap (retry.maxRetryCostUsd): ${summary}. Raise the cap or try again later.`);
  }
  const last = tried.at(-1)?.failure;
  const code = last?.retryable.kind === 'timeout' ? 'upstream_timeout' : 'upstream_error';
  return new WardenError(code, `The upstream call failed after retries and fallbacks: ${summary}.`, { details: { attempts: skips.map((skip) => ({ model: skip.model, reason: skip.reason })) } });
}
