import type { CallScopes } from '../core/call-scopes.js';
import { usdToNano } from '../core/money.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
import { createStreamToolCalls } from '../providers/stream-tool-calls.js';
import type { ResponseBodyUsage, StreamUsage } from '../providers/stream-usage.js';
import { asSseEvent, guardStream } from './guard-stream.js';
import { runGuarded } from './run-guarded.js';
import { settleCall } from './settle-call.js';
import { streamToolCheck } from './stream-tool-check.js';
import { currentContext } from './task-context.js';
import type { WardenRuntime } from './warden-runtime.js';

/** How one SDK method is guarded: its dialect and how to read usage from its results. */
export interface MethodSpec {
  dialect: Dialect;
  readUsage: (body: unknown) => ResponseBodyUsage;
  createStreamUsage: () => StreamUsage;
  /** Makes the provider report usage in streams; returns the body to send. */
  prepareStream?: (body: Record<string, unknown>) => { body: Record<string, unknown>; hideUsageChunk: boolean };
}

/** Attribution a wrapped client adds to every call it makes. */
export interface AttributionOptions {
  provider?: string;
  team?: string;
  key?: string;
  user?: string;
  tags?: Record<string, string>;
}

interface WithResponse {
  data: unknown;
  response?: unknown;
}
type SdkMethod = (body: Record<string, unknown>, requestOptions?: Record<string, unknown>) => { withResponse(): Promise<WithResponse> };
interface SdkStream {
  controller: AbortController;
  constructor: new (iterator: () => AsyncIterator<unknown>, controller: AbortController, client?: unknown) => unknown;
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
}

/**
 * Wraps an official SDK `create` method so every call, streamed or not, is estimated, reserved,
 * sent with the SDK's own retries off, settled from its usage, and retried under Warden's policy.
 */
export function guardedMethod(options: { runtime: WardenRuntime; spec: MethodSpec; original: SdkMethod; target: object; attribution: AttributionOptions; defaultProvider: string }) {
  const { runtime, spec, original, target } = options;
  return function guarded(body: Record<string, unknown>, requestOptions: Record<string, unknown> = {}) {
    const headers = wardenHeaders(requestOptions.headers);
    const streaming = body.stream === true;
    const streamPlan = streaming && spec.prepareStream ? spec.prepareStream(body) : { body, hideUsageChunk: false };
    const signal = requestOptions.signal instanceof AbortSignal ? requestOptions.signal : undefined;
    const toolCheck = streaming ? streamToolCheck(runtime, currentContext().checkTool) : undefined;
    // Bad input (say an unreadable x-warden-max-cost-usd) rejects the promise, like any refusal.
    const inner = Promise.resolve().then(() => runGuarded<WithResponse>(runtime, {
      request: {
        dialect: spec.dialect,
        body: streamPlan.body,
        provider: options.attribution.provider ?? options.defaultProvider,
        scopes: scopesFor(runtime, options.attribution, headers, body),
        ...(headers.maxCost === undefined ? {} : { maxCostInNanoUsd: usdToNano(headers.maxCost, 'x-warden-max-cost-usd') }),
      },
      ...(signal ? { signal } : {}),
      streamed: streaming,
      send: (prepared) => original.call(target, prepared.body, { ...requestOptions, maxRetries: 0 }).withResponse(),
      finish: async (result, prepared, retries, observeStream) => {
        if (!streaming) {
          const { usage } = spec.readUsage(result.data);
          await settleCall(runtime, prepared, { status: 'ok', ...(usage ? { usage } : {}), retries });
          return result;
        }
        const stream = result.data as SdkStream;
        const usage = spec.createStreamUsage();
        const toolCalls = createStreamToolCalls(spec.dialect);
        const guarded = guardStream({
          runtime,
          prepared,
          retries,
          source: { [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator]() },
          usage,
          track: (event) => {
            const kind: unknown = usage.push(asSseEvent(event));
            return streamPlan.hideUsageChunk && kind === 'usage-only';
          },
          abort: () => stream.controller.abort(),
          tools: { read: (event) => toolCalls.read(event), end: () => toolCalls.end(), hold: false, ...toolCheck },
          onSettled: (outcome) => observeStream(toolCalls.calls(), outcome === 'failed'),
        });
        const StreamClass = stream.constructor;
        return { ...result, data: new StreamClass(() => guarded, stream.controller) };
      },
    }));
    const promise = inner.then((result) => result.data) as Promise<unknown> & { withResponse(): Promise<WithResponse>; asResponse(): Promise<unknown> };
    promise.withResponse = () => inner;
    promise.asResponse = () => inner.then((result) => result.response);
    return promise;
  };
}

interface WardenHeaders {
  user?: string;
  tags?: Record<string, string>;
  maxCost?: string;
}

function wardenHeaders(headers: unknown): WardenHeaders {
  if (typeof headers !== 'object' || headers === null) return {};
  const read = (name: string): string | undefined => {
    const value = (headers as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  };
  const tags = read('x-warden-tags');
  const user = read('x-warden-user');
  const maxCost = read('x-warden-max-cost-usd');
  return { ...(user ? { user } : {}), ...(tags ? { tags: parseTags(tags) } : {}), ...(maxCost ? { maxCost } : {}) };
}

/** `feature=search,tier=free` → { feature: 'search', tier: 'free' }. */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=');
    if (equals > 0) tags[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return tags;
}

function scopesFor(runtime: WardenRuntime, attribution: AttributionOptions, headers: WardenHeaders, body: Record<string, unknown>): CallScopes {
  const context = currentContext();
  const user = headers.user ?? context.user ?? attribution.user ?? (typeof body.user === 'string' ? body.user : undefined);
  const team = context.team ?? attribution.team;
  const key = context.key ?? attribution.key;
  return {
    org: runtime.config.org,
    ...(team === undefined ? {} : { team }),
    ...(key === undefined ? {} : { key }),
    tasks: [...context.tasks],
    ...(user === undefined ? {} : { user }),
    tags: { ...attribution.tags, ...context.tags, ...headers.tags },
    model: '',
    provider: '',
  };
}
