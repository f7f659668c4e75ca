import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObservedToolCall } from '../core/loop-observation.js';
import type { ToolCheckSubject } from './check-tools.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
import type { PreparedCall } from '../sdk/prepare-call.js';
import type { ErrorDialect } from './error-body.js';
import type { TranslationPlan } from './translation-plan.js';
import type { Upstream } from './upstream.js';

/** One of the gateway's LLM routes. */
export interface ModelRoute {
  /** Label for metrics and the ledger: `/v1/chat/completions`. */
  path: string;
  dialect: Dialect;
  errorDialect: ErrorDialect;
}

/** Timestamps of one request, for the ledger's latency split. */
export interface CallTimes {
  receivedAtInMs: number;
  upstreamStartedAtInMs?: number;
  firstByteAtInMs?: number;
}

/** One request through the gateway, from arrival to its last byte. */
export interface ClientCall {
  requestId: string;
  route: ModelRoute;
  request: IncomingMessage;
  response: ServerResponse;
  stream: boolean;
  times: CallTimes;
  /** Aborts the upstream request: when the client goes away, or when Warden ends the call. */
  abort: AbortController;
  tier?: string;
  /** The model (`auto`, a tier name) the client asked for when routing chose another, and why (route-call reasons), so replay can route it again. */
  routing?: { from: string; reason: string };
  /** Models moved past so far (fallbacks). */
  fallbacks: string[];
  cacheKey?: string;
  /** The request's hash for the ledger (fingerprintRequest), so replay can tell identical calls apart from others. */
  requestFingerprint?: string;
  /** Tool calls in the answer (streamed or not), for the loop detector and task limits. */
  toolCalls?: ObservedToolCall[];
  /** Who the tool policy judges this call's tools for; set when toolPolicies are configured. */
  toolCheck?: ToolCheckSubject;
  /** Bookkeeping that must land before a successful non-streamed answer goes out (the task's guard state); set when a task guard is on. */
  beforeAnswer?: () => Promise<void>;
}

/** A reserved attempt at one upstream, ready to send. */
export interface CallAttempt {
  call: ClientCall;
  prepared: PreparedCall;
  upstream: Upstream;
  translation: TranslationPlan;
  /** Whether the client asked for OpenAI's usage chunk itself (if not it is hidden). */
  hideUsageChunk: boolean;
  retries: number;
}

/** Ledger facts every settled attempt carries. */
export function attemptLedgerData(attempt: CallAttempt, nowInMs: number): Record<string, unknown> {
  const { call } = attempt;
  const { receivedAtInMs, upstreamStartedAtInMs, firstByteAtInMs } = call.times;
  return {
    route: call.route.path,
    upstream: attempt.upstream.name,
    stream: call.stream,
    ...(call.tier === undefined ? {} : { tier: call.tier }),
    ...(call.routing === undefined ? {} : { routedFrom: call.routing.from, routeReason: call.routing.reason }),
    ...(call.fallbacks.length === 0 ? {} : { fallbacks: call.fallbacks.length, fallbackFrom: [...call.fallbacks] }),
    cache: call.cacheKey === undefined ? 'off' : 'miss',
    queueInMs: (upstreamStartedAtInMs ?? nowInMs) - receivedAtInMs,
    upstreamInMs: upstreamStartedAtInMs === undefined ? 0 : nowInMs - upstreamStartedAtInMs,
    totalInMs: nowInMs - receivedAtInMs,
    ...(firstByteAtInMs === undefined || !call.stream ? {} : { timeToFirstByteInMs: firstByteAtInMs - receivedAtInMs }),
  };
}
