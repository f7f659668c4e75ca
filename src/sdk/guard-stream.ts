import type { ObservedToolCall } from '../core/loop-observation.js';
import type { SseEvent } from '../core/sse-parser.js';
import { createToolCallHold, type StreamedToolCall, type ToolCallProgress } from '../core/tool-call-hold.js';
import type { WardenError } from '../core/warden-error.js';
import type { StreamUsage } from '../providers/stream-usage.js';

/** What settling a stream reads from its usage tracker. */
export type StreamUsageView = Pick<StreamUsage, 'usage' | 'isUsageFinal' | 'generatedCharacters' | 'error'>;
import { isAbortError } from './describe-upstream-error.js';
import { partialUsage } from './partial-usage.js';
import type { PreparedCall } from './prepare-call.js';
import { settleCall } from './settle-call.js';
import type { WardenRuntime } from './warden-runtime.js';

/** How a guarded stream ended. */
export type GuardedStreamOutcome = 'completed' | 'failed' | 'abandoned' | 'refused';

/** How a guarded stream follows, checks and holds back the tool calls of its answer. */
export interface StreamToolOptions<Event> {
  /** What one event does to the tool calls. */
  read(event: Event): ToolCallProgress;
  /** The stream has ended: the calls still open. */
  end(): readonly StreamedToolCall[];
  /** The refusal that ends the stream before a complete call is yielded, or undefined to let it through. */
  check?: (call: ObservedToolCall) => Promise<WardenError | undefined>;
  /** Hold each call's events until `check` has decided it (otherwise it only observes). */
  hold: boolean;
}

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
  tools?: StreamToolOptions<Event>;
  /** Called once the stream is settled, however it ended. */
  onSettled?: (outcome: GuardedStreamOutcome) => void;
}

/**
 * Relays a provider stream and settles its cost once: from the final usage when it completes,
 * from what was generated when the caller stops early (the upstream is stopped), it breaks, or
 * a tool call is refused. With `tools.hold`, the events of each tool call are held until the
 * call is complete and checked; a refused call is thrown to the caller instead of yielded.
 */
export async function* guardStream<Event>(options: GuardStreamOptions<Event>): AsyncGenerator<Event, void, undefined> {
  const { runtime, prepared, usage, tools } = options;
  let outcome: GuardedStreamOutcome = 'abandoned';
  let refusal: WardenError | undefined;
  let timeToFirstTokenInMs: number | undefined;
  const hold = tools?.hold === true ? createToolCallHold<Event>() : undefined;
  // The events a decided call frees (all of them once it is allowed); throws its refusal.
  const decide = async (call: StreamedToolCall): Promise<Event[]> => {
    refusal = await tools?.check?.({ name: call.name, argumentsJson: call.argumentsJson });
    if (refusal !== undefined) throw refusal;
    return hold?.allow(call.key) ?? [];
  };
  try {
    for await (const event of options.source) {
      timeToFirstTokenInMs ??= runtime.clock.now() - prepared.startedAtInMs;
      if (options.track(event)) continue;
      if (tools === undefined) {
        yield event;
        continue;
      }
      const progress = tools.read(event);
      if (hold === undefined) {
        yield event;
        for (const call of progress.completes) await decide(call);
        continue;
      }
      const { release, decide: complete } = hold.push(event, progress);
      yield* release;
      for (const call of complete) yield* await decide(call);
    }
    for (const call of tools?.end() ?? []) yield* await decide(call);
    outcome = 'completed';
  } catch (error) {
    if (refusal !== undefined && error === refusal) outcome = 'refused';
    else outcome = isAbortError(error) ? 'abandoned' : 'failed';
    throw error;
  } finally {
    if (outcome === 'abandoned' || outcome === 'refused') options.abort();
    const final = outcome === 'completed' && usage.isUsageFinal && usage.usage !== undefined;
    await settleCall(runtime, prepared, {
      status: statusOf(outcome, usage),
      usage: final && usage.usage ? usage.usage : partialUsage(prepared, usage),
      ...(final ? {} : { usageEstimated: true }),
      ...(refusal !== undefined ? { errorCode: refusal.code } : usage.error?.code === undefined ? {} : { errorCode: usage.error.code }),
      retries: options.retries,
      ...(timeToFirstTokenInMs === undefined ? {} : { timeToFirstTokenInMs }),
    });
    options.onSettled?.(outcome);
  }
}

function statusOf(outcome: GuardedStreamOutcome, usage: StreamUsageView): 'ok' | 'refused' | 'upstream_error' | 'client_disconnected' {
  if (outcome === 'refused') return 'refused';
  if (outcome === 'abandoned') return 'client_disconnected';
  return outcome === 'failed' || usage.error ? 'upstream_error' : 'ok';
}

/** Frames a parsed SDK event as the SSE event the usage trackers read. */
export function asSseEvent(event: unknown): SseEvent {
  const type = typeof event === 'object' && event !== null && 'type' in event ? (event as { type: unknown }).type : undefined;
  return { ...(typeof type === 'string' ? { event: type } : {}), data: JSON.stringify(event) };
}

