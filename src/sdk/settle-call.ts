import { computeCost } from '../core/compute-cost.js';
import type { CallStatus, LedgerEvent } from '../core/ledger-event.js';
import type { NanoUsd } from '../core/money.js';
import type { LineTotals } from '../core/store.js';
import type { Usage } from '../core/usage.js';
import { fireStages } from './fire-stages.js';
import type { PreparedCall } from './prepare-call.js';
import type { WardenRuntime } from './warden-runtime.js';

export interface CallOutcome {
  status: CallStatus;
  /** What the provider reported, or what Warden could reconstruct for a cut-off stream. */
  usage?: Usage;
  /** True when usage was reconstructed rather than reported (abandoned or broken streams). */
  usageEstimated?: boolean;
  /**
   * True when the provider answered but its usage was lost on the way (a JSON body cut off): the
   * call is charged its whole reservation even though it failed, since the provider bills it.
   */
  usageLost?: boolean;
  errorCode?: string;
  retries?: number;
  timeToFirstTokenInMs?: number;
  /** More facts for the ledger row (route, tier, fallbacks, latency split). */
  data?: Record<string, unknown>;
}

export interface SettledCall {
  costInNanoUsd: NanoUsd;
  record: LedgerEvent;
  /** The call's budget lines right after its commit; empty when it was released or already settled. */
  lines: LineTotals[];
}

/**
 * Commits a call's actual cost and releases the rest of its reservation. A successful call with
 * no usage is charged its full reservation: unpriced usage is never recorded as $0.
 */
export async function settleCall(runtime: WardenRuntime, prepared: PreparedCall, outcome: CallOutcome): Promise<SettledCall> {
  const now = runtime.clock.now();
  const usageMissing = outcome.usage === undefined && (outcome.status !== 'upstream_error' || outcome.usageLost === true);
  const costInNanoUsd = outcome.usage ? computeCost(outcome.usage, prepared.price) : usageMissing ? prepared.estimateInNanoUsd : 0;
  const release = costInNanoUsd === 0 && outcome.usage === undefined;

  let lines: LineTotals[] = [];
  if (release) await runtime.store.release(prepared.reservationId);
  else ({ lines } = await runtime.store.commit({ reservationId: prepared.reservationId, actualInNanoUsd: costInNanoUsd }));

  const record: LedgerEvent = {
    type: release ? 'reservation-release' : 'reservation-commit',
    timeInMs: now,
    requestId: prepared.requestId,
    requestedModel: prepared.requestedModel,
    model: prepared.model,
    provider: prepared.provider,
    ...prepared.attribution,
    ...(outcome.usage ? { usage: outcome.usage } : {}),
    costInNanoUsd,
    reservedInNanoUsd: prepared.estimateInNanoUsd,
    ...(prepared.requestFingerprint === undefined ? {} : { requestFingerprint: prepared.requestFingerprint }),
    status: outcome.status,
    ...(outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode }),
    retries: outcome.retries ?? 0,
    latencyInMs: now - prepared.startedAtInMs,
    ...(outcome.timeToFirstTokenInMs === undefined ? {} : { timeToFirstTokenInMs: outcome.timeToFirstTokenInMs }),
    data: {
      ...outcome.data,
      reservationId: prepared.reservationId,
      maxTokens: prepared.maxTokens,
      inputTokensBound: prepared.input.tokens,
      ...(usageMissing ? { usageMissing: true } : {}),
      ...(outcome.usageEstimated ? { usageEstimated: true } : {}),
      // The estimator must be an upper bound; a charge above it is a bug worth counting.
      ...(costInNanoUsd > prepared.estimateInNanoUsd ? { estimateExceeded: true } : {}),
    },
  };
  runtime.record(record);
  runtime.hooks.onCall?.(record);
  await fireStages({ runtime, prepared, costInNanoUsd, lines });
  return { costInNanoUsd, record, lines };
}
