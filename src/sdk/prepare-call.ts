import type { BudgetConfig } from '../core/budget-config-schema.js';
import type { CallScopes } from '../core/call-scopes.js';
import { chooseMaxTokens } from '../core/choose-max-tokens.js';
import type { ModelPrice } from '../core/model-price.js';
import type { NanoUsd } from '../core/money.js';
import { resolveBudgetLines, type LineRule, type ResolvedBudgets } from '../core/resolve-budget-lines.js';
import type { BudgetState, Refusal } from '../core/store.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import { WardenError } from '../core/warden-error.js';
import { checkOutputFields } from '../providers/check-output-fields.js';
import { estimateInputTokens, type Dialect, type InputTokenEstimate } from '../providers/estimate-input-tokens.js';
import { outputChoices, requestedMaxTokens, withMaxTokens } from '../providers/max-tokens-field.js';
import { chooseDowngrade, mayDowngrade } from './choose-downgrade.js';
import { fingerprintBody } from './fingerprint-request.js';
import { hasShadowBudgets, judgeShadowBudgets, shadowDowngradeTarget, snapshotShadowLines } from './judge-shadow-budgets.js';
import { fireStopStage } from './fire-stages.js';
import { refusalFor } from './refusal-for.js';
import type { WardenRuntime } from './warden-runtime.js';

export interface CallRequest {
  dialect: Dialect;
  body: Readonly<Record<string, unknown>>;
  provider: string;
  /**
   * The provider id the price catalogue knows the model under, when it differs from `provider`;
   * present but undefined lets the catalogue find the model under any provider.
   */
  priceProvider?: string | undefined;
  scopes: CallScopes;
  /** Budgets beyond the config's, such as a virtual key's own limits. */
  extraBudgets?: readonly BudgetConfig[];
  /** Lowers every limit for this call only (`x-warden-max-cost-usd`). */
  maxCostInNanoUsd?: NanoUsd;
  requestId?: string;
  /**
   * Whether a soft-limit downgrade may switch the model: false when the caller cannot honour a
   * switch, or a test of the target (the gateway allows only models the same upstream serves).
   */
  allowDowngrade?: boolean | ((toModel: string) => boolean);
  /** A hash of the request (never its content) for its ledger rows, so replay can spot repeats; default the hash of `body`. */
  requestFingerprint?: string;
}

/** A call that holds a reservation and is ready to send. */
export interface PreparedCall {
  requestId: string;
  reservationId: string;
  requestedModel: string;
  model: string;
  provider: string;
  dialect: Dialect;
  body: Record<string, unknown>;
  price: ModelPrice;
  input: InputTokenEstimate;
  maxTokens: number;
  estimateInNanoUsd: NanoUsd;
  rules: LineRule[];
  scopes: CallScopes;
  /** The ledger's attribution fields for `scopes`, computed once for every row of the call. */
  attribution: CallAttribution;
  startedAtInMs: number;
  requestFingerprint?: string;
}

export type CallAttribution = Pick<LedgerEvent, 'org' | 'team' | 'keyId' | 'user' | 'tags' | 'taskId' | 'taskType' | 'parentTaskId'>;

// One optimistic attempt without state, then up to three clamped to what the budgets have left.
const reserveAttempts = 4;

/**
 * Prices the call, picks its model and max_tokens, and reserves its upper-bound cost on every
 * budget line atomically. Throws a WardenError (and records the refusal) when it cannot be covered.
 */
export async function prepareCall(runtime: WardenRuntime, request: CallRequest): Promise<PreparedCall> {
  const requestId = request.requestId ?? runtime.newId();
  const requestedModel = typeof request.body.model === 'string' ? request.body.model : '';
  try {
    if (!requestedModel) throw new WardenError('invalid_request', 'The request has no "model". Name the model to call, e.g. "gpt-4o-mini".');
    checkOutputFields(request.dialect, request.body);
    return await reserveWithRetries(runtime, request, requestId, requestedModel);
  } catch (error) {
    if (error instanceof WardenError) {
      runtime.record({
        type: 'call-refuse',
        timeInMs: runtime.clock.now(),
        requestId,
        requestedModel,
        ...attribution(request.scopes),
        status: 'refused',
        errorCode: error.code,
        data: { message: error.message },
      });
    }
    throw error;
  }
}

async function reserveWithRetries(runtime: WardenRuntime, request: CallRequest, requestId: string, requestedModel: string): Promise<PreparedCall> {
  const now = runtime.clock.now();
  let model = requestedModel;
  let scopes: CallScopes = { ...request.scopes, model, provider: request.provider };
  let budgets = resolveBudgetLines({ config: runtime.config, scopes, timeInMs: now, windows: runtime.windows, ...(request.extraBudgets ? { extraBudgets: request.extraBudgets } : {}) });
  // State is read before the reserve only when it can change the model. Otherwise the reserve
  // itself checks every line atomically (one store round trip), and state is read after a refusal, to clamp.
  let states: BudgetState[] = mayDowngrade({ runtime, scopes, budgets, requestedModel }) ? await runtime.store.snapshot(budgets.rules.map((rule) => rule.line)) : [];
  const priceProvider = 'priceProvider' in request ? request.priceProvider : request.provider;
  let price = runtime.catalogue.resolve(model, priceProvider);

  const candidate = request.allowDowngrade === false ? undefined : chooseDowngrade({ runtime, scopes, budgets, states, requestedModel });
  const downgrade = candidate && (typeof request.allowDowngrade !== 'function' || request.allowDowngrade(candidate.toModel)) ? candidate : undefined;
  if (downgrade) {
    model = downgrade.toModel;
    price = runtime.catalogue.resolve(model, priceProvider);
    scopes = { ...scopes, model };
    budgets = resolveBudgetLines({ config: runtime.config, scopes, timeInMs: now, windows: runtime.windows, ...(request.extraBudgets ? { extraBudgets: request.extraBudgets } : {}) });
    states = await runtime.store.snapshot(budgets.rules.map((rule) => rule.line));
    runtime.record({ type: 'call-downgrade', timeInMs: now, requestId, requestedModel, model, ...attribution(scopes), data: { scope: downgrade.scope, reason: downgrade.reason } });
    runtime.hooks.onDowngrade?.({ requestId, fromModel: requestedModel, toModel: model, scope: downgrade.scope, reason: downgrade.reason });
  }

  // Shadow budgets are judged against their lines as they stood before this call reserved.
  const shadowStates = hasShadowBudgets(budgets) ? await snapshotShadowLines(runtime, budgets) : undefined;

  const body = { ...request.body, model };
  const input = estimateInputTokens({ dialect: request.dialect, body, model, tokensPerImage: runtime.config.estimation.tokensPerImage });
  const withoutOutput = request.dialect === 'openai-embeddings';
  // The gateway hashes the bytes it received; SDK callers get the hash of the body they passed.
  const requestFingerprint = request.requestFingerprint ?? fingerprintBody({ dialect: request.dialect, body: request.body });
  const chooseFor = (affordableInNanoUsd: NanoUsd | undefined) =>
    chooseMaxTokens({
      price,
      inputTokens: input.tokens,
      inputMayWriteCache: input.writesCache,
      ...(withoutOutput ? { requestedMaxTokens: 1 } : optionalMax(requestedMaxTokens(request.dialect, body))),
      defaultMaxOutputTokens: runtime.config.estimation.defaultMaxOutputTokens,
      ...(affordableInNanoUsd === undefined ? {} : { affordableInNanoUsd }),
      clamp: budgets.clamp,
      minUsefulOutputTokens: runtime.config.estimation.minUsefulOutputTokens,
      choices: outputChoices(request.dialect, body),
    });

  for (let attempt = 1; ; attempt += 1) {
    const affordable = affordableAmount(budgets, states, request.maxCostInNanoUsd);
    const decision = chooseFor(affordable.amount);
    const estimateInNanoUsd = withoutOutput ? decision.inputCostInNanoUsd : decision.estimateInNanoUsd;
    if (!decision.ok && !withoutOutput) {
      await fireStopStage({ runtime, requestId, rule: affordable.rule, state: affordable.state });
      throw refusalFor({ reason: 'money', limitingRule: affordable.rule, state: affordable.state, decision, model, maxCostInNanoUsd: request.maxCostInNanoUsd });
    }
    const reservationId = runtime.newId();
    const result = await runtime.store.reserve({
      reservationId,
      lines: budgets.rules.map((rule) => rule.line),
      amountInNanoUsd: estimateInNanoUsd,
      leaseExpiresAtInMs: now + runtime.config.estimation.leaseInSeconds * 1000,
    });
    if (result.ok) {
      const callAttribution = attribution(scopes);
      const prepared: PreparedCall = {
        requestId,
        reservationId,
        requestedModel,
        model,
        provider: request.provider,
        dialect: request.dialect,
        body: withoutOutput ? body : withMaxTokens(request.dialect, body, decision.maxTokens),
        price,
        input,
        maxTokens: withoutOutput ? 0 : decision.maxTokens,
        estimateInNanoUsd,
        rules: budgets.rules,
        scopes,
        attribution: callAttribution,
        startedAtInMs: now,
        ...(requestFingerprint === undefined ? {} : { requestFingerprint }),
      };
      runtime.record({
        type: 'reservation-create',
        timeInMs: now,
        requestId,
        requestedModel,
        model,
        provider: request.provider,
        ...callAttribution,
        reservedInNanoUsd: estimateInNanoUsd,
        ...(requestFingerprint === undefined ? {} : { requestFingerprint }),
        data: { reservationId, maxTokens: prepared.maxTokens, inputTokensBound: input.tokens, clamped: decision.ok && decision.clamped },
      });
      if (shadowStates !== undefined) {
        judgeShadowBudgets({
          runtime,
          requestId,
          budgets,
          states: shadowStates,
          amountInNanoUsd: estimateInNanoUsd,
          clampTo: (affordableInNanoUsd) => {
            const clamped = withoutOutput ? undefined : chooseFor(affordableInNanoUsd);
            return clamped?.ok ? clamped.maxTokens : undefined;
          },
          ...(downgrade ? {} : shadowDowngradeTarget({ runtime, scopes, requestedModel, allowDowngrade: request.allowDowngrade })),
          fields: { requestedModel, model, provider: request.provider, ...callAttribution },
        });
      }
      return prepared;
    }
    const rule = budgets.rules.find((candidate) => candidate.line.key === result.line.key);
    if (result.reason === 'calls' || attempt >= reserveAttempts) {
      if (result.reason === 'money') await fireStopStage({ runtime, requestId, rule, state: stateFromRefusal(result) });
      throw refusalFor({ reason: result.reason, limitingRule: rule, state: stateFromRefusal(result), decision, model, maxCostInNanoUsd: request.maxCostInNanoUsd });
    }
    // Another call took budget between the snapshot and the reserve: look again and re-clamp.
    states = await runtime.store.snapshot(budgets.rules.map((candidate) => candidate.line));
  }
}

function affordableAmount(budgets: ResolvedBudgets, states: BudgetState[], maxCostInNanoUsd?: NanoUsd): { amount?: NanoUsd; rule?: LineRule; state?: BudgetState } {
  let amount = minDefined(budgets.perRequestHardInNanoUsd, maxCostInNanoUsd);
  let limiting: { rule?: LineRule; state?: BudgetState } = {};
  for (const rule of budgets.rules) {
    const limit = rule.line.limitInNanoUsd;
    if (limit === undefined) continue;
    const state = states.find((candidate) => candidate.key === rule.line.key);
    const left = Math.max(0, limit - (state?.committedInNanoUsd ?? 0) - (state?.reservedInNanoUsd ?? 0));
    if (amount === undefined || left < amount) {
      amount = left;
      limiting = { rule, ...(state ? { state } : {}) };
    }
  }
  return { ...(amount === undefined ? {} : { amount }), ...limiting };
}

function stateFromRefusal(refusal: Refusal): BudgetState {
  const { line } = refusal;
  return {
    key: line.key,
    scope: line.scope,
    window: line.window,
    windowStartInMs: line.windowStartInMs,
    windowEndInMs: line.windowEndInMs,
    ...(line.limitInNanoUsd === undefined ? {} : { limitInNanoUsd: line.limitInNanoUsd }),
    ...(line.callLimit === undefined ? {} : { callLimit: line.callLimit }),
    committedInNanoUsd: refusal.committedInNanoUsd,
    reservedInNanoUsd: refusal.reservedInNanoUsd,
    calls: refusal.calls,
  };
}

function minDefined(left: number | undefined, right: number | undefined): number | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  return Math.min(left, right);
}

function optionalMax(value: number | undefined): { requestedMaxTokens?: number } {
  return value === undefined ? {} : { requestedMaxTokens: value };
}

/** The ledger's attribution fields for a call's scopes. */
export function attribution(scopes: CallScopes): CallAttribution {
  const task = scopes.tasks.at(-1);
  const parent = scopes.tasks.at(-2);
  return {
    org: scopes.org,
    ...(scopes.team === undefined ? {} : { team: scopes.team }),
    ...(scopes.key === undefined ? {} : { keyId: scopes.key }),
    ...(scopes.user === undefined ? {} : { user: scopes.user }),
    ...(Object.keys(scopes.tags).length === 0 ? {} : { tags: { ...scopes.tags } }),
    ...(task ? { taskId: task.id, ...(task.type === undefined ? {} : { taskType: task.type }) } : {}),
    ...(parent ? { parentTaskId: parent.id } : {}),
  };
}
