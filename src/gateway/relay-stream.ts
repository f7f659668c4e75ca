import type { Dispatcher } from 'undici';
import type { CallStatus } from '../core/ledger-event.js';
import { createSseParser, type SseEvent } from '../core/sse-parser.js';
import type { WardenError } from '../core/warden-error.js';
import { dialectUsage } from '../providers/dialect-usage.js';
import { createStreamToolCalls } from '../providers/stream-tool-calls.js';
import { partialUsage } from '../sdk/partial-usage.js';
import { settleCall } from '../sdk/settle-call.js';
import { attemptLedgerData, type CallAttempt } from './call-attempt.js';
import { checkCalledTools, checkStreamedToolCall } from './check-tools.js';
import type { GatewayContext } from './gateway-context.js';
import type { InFlightCall } from './in-flight-calls.js';
import { storeInCache } from './response-cache.js';
import { wardenResponseHeaders } from './response-headers.js';
import { sseFrame, streamErrorEvent } from './stream-error-event.js';
import { createStreamToolGate } from './stream-tool-gate.js';

type StreamOutcome = 'completed' | 'failed' | 'abandoned' | 'ended';

const statusFor: Readonly<Record<StreamOutcome, CallStatus>> = {
  completed: 'ok',
  failed: 'upstream_error',
  abandoned: 'client_disconnected',
  ended: 'refused',
};

/**
 * Relays an upstream SSE stream to the client as it arrives, reading usage on the way. Bytes
 * pass through untouched unless the dialect is translated or OpenAI's usage chunk must be
 * hidden. When the tool policy refuses called tools, the events of each tool call are held
 * until the call is complete and checked; a refused call ends the stream with an error event
 * instead. Settles once: from the final usage, or from what was generated when the client
 * leaves, the upstream breaks, a kill switch ends the stream or a tool call is refused.
 */
export function relayStream(options: {
  context: GatewayContext;
  attempt: CallAttempt;
  upstreamResponse: Dispatcher.ResponseData;
  inFlight: InFlightCall;
  abortUpstream: () => void;
}): Promise<void> {
  const { context, attempt, upstreamResponse, inFlight, abortUpstream } = options;
  const { call, prepared, translation } = attempt;
  const { response } = call;
  const usage = dialectUsage[translation.upstreamDialect].createStreamUsage();
  const translator = translation.streamToClient?.({
    requestId: call.requestId,
    requestedModel: prepared.requestedModel,
    model: prepared.model,
    createdInSeconds: Math.floor(context.clock.now() / 1000),
    includeUsage: !attempt.hideUsageChunk,
  });
  const passthrough = translator === undefined && !attempt.hideUsageChunk;
  const watchTools = context.config.loopDetection !== undefined || call.toolCheck !== undefined || context.taskLimits.countsToolCalls;
  const toolCalls = watchTools ? createStreamToolCalls(translation.upstreamDialect) : undefined;
  const who = call.toolCheck;
  const holdToolCalls = who !== undefined && context.config.toolChecks.called === 'refuse';
  // Held events are written from their own text, so what passes through is still the upstream's bytes.
  const parser = createSseParser({ keepRaw: holdToolCalls && passthrough });
  const cached: string[] | undefined = call.cacheKey === undefined ? undefined : [];
  const body = upstreamResponse.body;

  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    ...wardenResponseHeaders({ requestId: call.requestId, model: prepared.model, cache: call.cacheKey === undefined ? 'off' : 'miss' }),
  });

  const write = (text: string | Buffer): void => {
    if (text.length === 0 || response.writableEnded) return;
    cached?.push(typeof text === 'string' ? text : text.toString('utf8'));
    if (!response.write(text)) {
      body.pause();
      response.once('drain', () => body.resume());
    }
  };
  return new Promise<void>((resolve) => {
    let outcome: StreamOutcome | undefined;
    let endCode: string | undefined;
    const finish = (next: StreamOutcome, code?: string): void => {
      if (outcome !== undefined) return;
      outcome = next;
      endCode = code;
      settle().then(resolve, (error: unknown) => {
        context.logger.error({ requestId: call.requestId, err: error }, 'settling a stream failed');
        resolve();
      });
    };
    const settle = async (): Promise<void> => {
      const final = outcome === 'completed' && usage.isUsageFinal && usage.usage !== undefined;
      const status: CallStatus = outcome === 'completed' && usage.error ? 'upstream_error' : statusFor[outcome ?? 'failed'];
      const settled = await settleCall(context.runtime, prepared, {
        status,
        usage: final && usage.usage ? usage.usage : partialUsage(prepared, usage),
        ...(final ? {} : { usageEstimated: true }),
        ...(endCode ?? usage.error?.code ? { errorCode: endCode ?? usage.error?.code } : {}),
        retries: attempt.retries,
        ...(call.times.firstByteAtInMs === undefined ? {} : { timeToFirstTokenInMs: call.times.firstByteAtInMs - call.times.receivedAtInMs }),
        data: attemptLedgerData(attempt, context.clock.now()),
      });
      context.metrics.recordCall(settled.record);
      if (toolCalls !== undefined) {
        call.toolCalls = toolCalls.calls();
        // Held calls were checked one by one as they completed; otherwise the policy only flags.
        if (who !== undefined && gate === undefined) await checkCalledTools({ context, toolCalls: call.toolCalls, who, streamed: true });
      }
      if (call.times.firstByteAtInMs !== undefined) {
        context.metrics.timeToFirstToken.observe({ model: prepared.model }, (call.times.firstByteAtInMs - call.times.receivedAtInMs) / 1000);
      }
      if (cached && status === 'ok' && final && usage.usage && call.cacheKey !== undefined) {
        storeInCache({ context, key: call.cacheKey, body: cached.join(''), contentType: 'text/event-stream; charset=utf-8', model: prepared.model, usage: usage.usage, costInNanoUsd: settled.costInNanoUsd });
      }
    };
    const endWithError = (error: { code: string; message: string; details?: Record<string, unknown> }): void => {
      write(streamErrorEvent({ dialect: call.route.dialect, code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) }));
      response.end();
    };

    const stop = (error: WardenError): void => {
      if (outcome !== undefined) return;
      endWithError(error);
      abortUpstream();
      finish('ended', error.code);
    };
    inFlight.end = stop;
    const gate = !holdToolCalls || toolCalls === undefined ? undefined : createStreamToolGate({
      decide: (toolCall) => checkStreamedToolCall({ context, call: toolCall, who }),
      write,
      refuse: (error) => {
        if (outcome === undefined) context.metrics.refusals.inc({ code: error.code });
        stop(error);
      },
      fail: (error) => {
        if (outcome !== undefined) return;
        context.logger.error({ requestId: call.requestId, err: error }, 'checking a streamed tool call failed');
        endWithError({ code: 'internal_error', message: `Warden could not check a tool call of this answer (request ${call.requestId}), so it was not relayed. Try again, and report the request id if it persists.` });
        abortUpstream();
        finish('ended', 'internal_error');
      },
    });
    let malformed = false;
    const translate = (events: readonly SseEvent[]): string => {
      let out = '';
      for (const [index, event] of events.entries()) {
        const kind: unknown = usage.push(event);
        if (usage.malformedEvents > 0) {
          malformed = true;
          // Raw chunks pass through whole: rebuild the good events of this one that came before the broken event.
          if (passthrough && gate === undefined) out = events.slice(0, index).map(sseFrame).join('');
          break;
        }
        const progress = toolCalls?.push(event);
        let text = '';
        if (translator) text = translator.push(event);
        else if (passthrough) text = event.raw ?? '';
        else if (!(attempt.hideUsageChunk && kind === 'usage-only')) text = sseFrame(event);
        out += gate === undefined || progress === undefined ? text : gate.push(text, progress);
      }
      return out;
    };
    // A broken frame would make the client's SDK fail on its own: end the stream cleanly instead.
    const endMalformed = (out: string): void => {
      write(out);
      endWithError({ code: 'upstream_error', message: 'The upstream sent a malformed event (its data was not JSON); the answer is incomplete. Retry the request.' });
      abortUpstream();
      finish('failed', 'upstream_stream_malformed');
    };
    body.on('data', (chunk: Buffer) => {
      if (outcome !== undefined) return;
      call.times.firstByteAtInMs ??= context.clock.now();
      const out = translate(parser.push(chunk));
      if (malformed) return endMalformed(out);
      write(passthrough && gate === undefined ? chunk : out);
    });
    body.once('end', () => {
      if (outcome !== undefined) return;
      const out = translate(parser.end());
      if (malformed) return endMalformed(out);
      write(out);
      const close = (): void => {
        if (outcome !== undefined) return;
        if (translator) write(translator.end());
        response.end();
        finish('completed');
      };
      if (gate === undefined || toolCalls === undefined) close();
      else void gate.end(toolCalls.end()).then(close);
    });
    body.on('error', (error: Error) => {
      if (outcome !== undefined) return;
      endWithError({ code: 'upstream_error', message: `The upstream stream broke off (${error.message}); the answer is incomplete. Retry the request.` });
      finish('failed', 'upstream_stream_broken');
    });
    response.once('close', () => {
      if (outcome !== undefined || response.writableFinished) return;
      abortUpstream();
      finish('abandoned');
    });
  });
}
