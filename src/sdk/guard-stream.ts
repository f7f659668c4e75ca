import type { SseEvent } from '../core/sse-parser.js';
import type { StreamUsage } from '../providers/stream-usage.js';

/** What settling a stream reads from its usage tracker. */
export type StreamUsageView = Pick<StreamUsage, 'usage' | 'isUsageFinal' | 'generatedCharacters' | 'error'>;
import { isAbortError } from './describe-upstream-error.js';
import { partialUsage } from './partial-usage.js';
import type { PreparedCall } from './prepare-call.js';
import { settleCall } from './settle-call.js';
import type { WardenRuntime } from './warden-runtime.js';

export interface GuardStreamOptions<Event> {
  runtime: WardenRuntime;
  prepared: PreparedCall;
  retries: number;
  source: AsyncIterable<Event>;
  usage: StreamUsageView;
  /** Feeds one parsed event to the usage tracker; returns true to hide it from the caller. */
  track: (event: Event) => boolean;
  /** Stops the upstream request. */
  abort: () => void;
}

/**
 * Relays a provider stream and settles its cost once: from the final usage when it completes,
 * from what was generated when the caller stops early (the upstream is stopped) or it breaks.
 */
export async function* guardStream<Event>(options: GuardStreamOptions<Event>): AsyncGenerator<Event, void, undefined> {
  const { runtime, prepared, usage } = options;
  let outcome: 'completed' | 'failed' | 'abandoned' = 'abandoned';
  let timeToFirstTokenInMs: number | undefined;
  try {
    for await (const event of options.source) {
      timeToFirstTokenInMs ??= runtime.clock.now() - prepared.startedAtInMs;
      if (options.track(event)) continue;
      yield event;
    }
    outcome = 'completed';
  } catch (error) {
    outcome = isAbortError(error) ? 'abandoned' : 'failed';
    throw error;
  } finally {
    if (outcome === 'abandoned') options.abort();
    const final = outcome === 'completed' && usage.isUsageFinal && usage.usage !== undefined;
    await settleCall(runtime, prepared, {
      status: outcome === 'abandoned' ? 'client_disconnected' : outcome === 'failed' || usage.error ? 'upstream_error' : 'ok',
      usage: final && usage.usage ? usage.usage : partialUsage(prepared, usage),
      ...(final ? {} : { usageEstimated: true }),
      ...(usage.error?.code === undefined ? {} : { errorCode: usage.error.code }),
      retries: options.retries,
      ...(timeToFirstTokenInMs === undefined ? {} : { timeToFirstTokenInMs }),
    });
  }
}

/** Frames a parsed SDK event as the SSE event the usage trackers read. */
export function asSseEvent(event: unknown): SseEvent {
  const type = typeof event === 'object' && event !== null && 'type' in event ? (event as { type: unknown }).type : undefined;
  return { ...(typeof type === 'string' ? { event: type } : {}), data: JSON.stringify(event) };
}
