import { decideRetry, type RetryPolicy } from '../core/retry-policy.js';
import type { WardenConfig } from '../core/config-schema.js';
import type { ObservedToolCall } from '../core/loop-observation.js';
import { WardenError } from '../core/warden-error.js';
import { describeUpstreamError } from './describe-upstream-error.js';
import { isRecord } from '../providers/json-fields.js';
import { observedMessages, observedToolCalls } from '../providers/observe-call.js';
import { attribution, prepareCall, type CallRequest, type PreparedCall } from './prepare-call.js';
import { settleCall } from './settle-call.js';
import type { WardenRuntime } from './warden-runtime.js';

export interface GuardedCallOptions<T> {
  request: CallRequest;
  /** Sends the prepared call upstream (the client's own retries off). */
  send: (prepared: PreparedCall) => Promise<T>;
  /**
   * Settles a response: JSON at once; a stream is wrapped and settles when it ends, then passes
   * its tool calls to `observeStream` for the loop detector.
   */
  finish: (result: T, prepared: PreparedCall, retries: number, observeStream: (toolCalls: readonly ObservedToolCall[], failed: boolean) => void) => Promise<T>;
  /** The answer is a stream: the loop detector sees it when it ends (through observeStream), not when it starts. */
  streamed?: boolean;
  signal?: AbortSignal;
}

/**
 * Runs one logical call: reserve, send, settle, and retry under the retry policy, each attempt
 * reserved like a new call and every retry counted against the money cap.
 */
export async function runGuarded<T>(runtime: WardenRuntime, options: GuardedCallOptions<T>): Promise<T> {
  const requestId = options.request.requestId ?? runtime.newId();
  const taskId = options.request.scopes.tasks.at(-1)?.id;
  if (taskId !== undefined && runtime.taskLoops.enabled) {
    try {
      await runtime.taskLoops.check(taskId);
    } catch (error) {
      if (error instanceof WardenError) {
        runtime.record({ type: 'call-refuse', timeInMs: runtime.clock.now(), requestId, ...attribution(options.request.scopes), status: 'refused', errorCode: error.code, data: { message: error.message } });
      }
      throw error;
    }
  }
  const observe = async (result: unknown, failed: boolean, streamedToolCalls?: readonly ObservedToolCall[]): Promise<void> => {
    if (taskId === undefined || !runtime.taskLoops.enabled) return;
    const observation = {
      messages: observedMessages(options.request.dialect, options.request.body),
      toolCalls: failed ? [] : (streamedToolCalls ?? observedToolCalls(options.request.dialect, result)),
      failed,
      timeInMs: runtime.clock.now(),
    };
    // The call itself is done and paid for: a store that cannot take the observation does not fail it.
    await runtime.taskLoops.observe({ taskId, requestId, observation, attribution: attribution(options.request.scopes) }).catch((error: unknown) => runtime.hooks.onError?.(error));
  };
  const policy = retryPolicyFrom(runtime.config);
  let retrySpentInNanoUsd = 0;
  for (let attempt = 1; ; attempt += 1) {
    const prepared = await prepareCall(runtime, { ...options.request, requestId });
    let result: T;
    try {
      result = await options.send(prepared);
    } catch (error) {
      const described = describeUpstreamError(error);
      await settleCall(runtime, prepared, {
        status: described ? 'upstream_error' : 'client_disconnected',
        ...(described?.status === undefined ? {} : { errorCode: `http_${described.status}` }),
        retries: attempt - 1,
      });
      if (!described) throw error;
      const decision = decideRetry({
        error: described,
        attempt,
        retrySpentInNanoUsd,
        nextAttemptEstimateInNanoUsd: prepared.estimateInNanoUsd,
        policy,
        random: runtime.random,
        nowInMs: runtime.clock.now(),
      });
      runtime.record({
        type: 'call-retry',
        timeInMs: runtime.clock.now(),
        requestId,
        model: prepared.model,
        ...prepared.attribution,
        retries: attempt - 1,
        data: decision.retry
          ? { attempt, status: described.status, delayInMs: decision.delayInMs }
          : { attempt, status: described.status, stopped: decision.code, reason: decision.reason },
      });
      if (!decision.retry) {
        await observe(undefined, true);
        throw error;
      }
      retrySpentInNanoUsd += prepared.estimateInNanoUsd;
      await runtime.sleep(decision.delayInMs, options.signal);
      continue;
    }
    const finished = await options.finish(result, prepared, attempt - 1, (toolCalls, failed) => void observe(undefined, failed, toolCalls));
    // The clients' results carry the parsed answer in `data`.
    if (options.streamed !== true) await observe(isRecord(finished) && 'data' in finished ? finished.data : finished, false);
    return finished;
  }
}

export function retryPolicyFrom(config: Readonly<WardenConfig>): Partial<RetryPolicy> {
  return {
    maxRetries: config.retry.maxRetries,
    maxRetryCostInNanoUsd: config.retry.maxRetryCostUsd,
    initialDelayInMs: config.retry.initialDelayInMs,
    maxDelayInMs: config.retry.maxDelayInMs,
    maxRetryAfterInMs: config.retry.maxRetryAfterInMs,
  };
}
