import { createHash } from 'node:crypto';
import type { VirtualKeyRecord } from '../core/control-records.js';
import { nanoUsdPerUsd, type NanoUsd } from '../core/money.js';
import type { Usage } from '../core/usage.js';
import type { ClientCall } from './call-attempt.js';
import type { GatewayContext } from './gateway-context.js';
import { wardenResponseHeaders } from './response-headers.js';
import { attribution } from '../sdk/prepare-call.js';
import type { CallScopes } from '../core/call-scopes.js';

/** Whether the exact-match cache applies to a key: the key's own choice wins over the config's. */
export function cacheEnabledFor(context: GatewayContext, key: VirtualKeyRecord): boolean {
  return key.cache ?? context.config.cache.enabled;
}

/**
 * The cache key of a request: route and body exactly as sent, per team (or key), so one team's
 * cached answers are never served to another.
 */
export function cacheKeyFor(options: { route: string; bodyText: string; key: VirtualKeyRecord }): string {
  const owner = options.key.team === undefined ? `key:${options.key.id}` : `team:${options.key.team}`;
  return createHash('sha256').update(owner).update('\u0000').update(options.route).update('\u0000').update(options.bodyText).digest('hex');
}

/** Stores an answer in the background; a failed write only costs a future hit. */
export function storeInCache(options: { context: GatewayContext; key: string; body: string; contentType: string; model: string; usage: Usage; costInNanoUsd: NanoUsd }): void {
  const { context } = options;
  if (Buffer.byteLength(options.body) > context.config.cache.maxEntryInBytes) return;
  const nowInMs = context.clock.now();
  context.store
    .putCachedResponse({
      key: options.key,
      status: 200,
      contentType: options.contentType,
      body: options.body,
      model: options.model,
      usage: options.usage,
      costInNanoUsd: options.costInNanoUsd,
      createdAtInMs: nowInMs,
      expiresAtInMs: nowInMs + context.config.cache.ttlInSeconds * 1000,
    })
    .catch((error: unknown) => context.logger.warn({ err: error }, 'response cache write failed'));
}

/** Answers from the cache when there is a live entry; true when it did. Hits cost $0 and record the saving. */
export async function serveFromCache(options: { context: GatewayContext; call: ClientCall; scopes: CallScopes }): Promise<boolean> {
  const { context, call } = options;
  if (call.cacheKey === undefined) return false;
  let entry;
  try {
    entry = await context.store.getCachedResponse(call.cacheKey, context.clock.now());
  } catch (error) {
    // An unreachable cache is a miss: the call goes upstream rather than failing.
    context.logger.warn({ err: error }, 'response cache read failed');
    return false;
  }
  if (!entry) return false;
  const nowInMs = context.clock.now();
  context.runtime.record({
    type: 'cache-serve',
    timeInMs: nowInMs,
    requestId: call.requestId,
    requestedModel: options.scopes.model,
    model: entry.model,
    ...attribution(options.scopes),
    usage: entry.usage,
    costInNanoUsd: 0,
    ...(call.requestFingerprint === undefined ? {} : { requestFingerprint: call.requestFingerprint }),
    status: 'cached',
    latencyInMs: nowInMs - call.times.receivedAtInMs,
    data: { route: call.route.path, cache: 'hit', savedInNanoUsd: entry.costInNanoUsd, ...(call.tier === undefined ? {} : { tier: call.tier }) },
  });
  context.metrics.cacheHits.inc({ route: call.route.path });
  context.metrics.cacheSavings.inc({ model: entry.model }, entry.costInNanoUsd / nanoUsdPerUsd);
  const bytes = Buffer.from(entry.body);
  call.response.writeHead(entry.status, {
    'content-type': entry.contentType,
    'content-length': bytes.length,
    ...(entry.contentType.startsWith('text/event-stream') ? { 'cache-control': 'no-cache' } : {}),
    ...wardenResponseHeaders({ requestId: call.requestId, model: entry.model, costInNanoUsd: 0, cache: 'hit' }),
  });
  call.response.end(bytes);
  return true;
}
