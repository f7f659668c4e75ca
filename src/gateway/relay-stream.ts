import type { Dispatcher } from 'undici';
import type { CallStatus } from '../core/ledger-event.js';
import { createSseParser, type SseEvent } from '../core/sse-parser.js';
import type { WardenError } from '../core/warden-error.js';
import { dialectUsage } from '../providers/dialect-usage.js';
import { createStreamToolCalls } from '../providers/stream-tool-calls.js';
import { partialUsage } from '../sdk/partial-usage.js';
import { settleCall } from '../sdk/settle-call.js';
import { attemptLedgerData, type CallAttempt } from './call-attempt.js';
import { checkCalledTools } from './check-tools.js';
import type { GatewayContext } from './gateway-context.js';
import type { InFlightCall } from './in-flight-calls.js';
import { storeInCache } from './response-cache.js';
import { wardenResponseHeaders } from './response-headers.js';
import { sseFrame, streamErrorEvent } from './stream-error-event.js';

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
 * hidden. Settles once: from the final usage, or from what was generated when the client
 * leaves, the upstream breaks, or a kill switch ends the stream.
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
  const parser = createSseParser();
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
  const translate = (events: readonly SseEvent[]): string => {
    let out = '';
    for (const event of events) {
      const kind: unknown = usage.push(event);
      toolCalls?.push(event);
      if (translator) out += translator.push(event);
      else if (!passthrough && !(attempt.hideUsageChunk && kind === 'usage-only')) out += sseFrame(event);
    }
    return out;
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
        if (call.toolCheck !== undefined) await checkCalledTools({ context, toolCalls: call.toolCalls, who: call.toolCheck, streamed: true });
      }
      if (call.times.firstByteAtInMs !== undefined) {
        context.metrics.timeToFirstToken.observe({ model: prepared.model }, (call.times.firstByteAtInMs - call.times.receivedAtInMs) / 1000);
      }
      if (cached && status === 'ok' && final && usage.usage && call.cacheKey !== undefined) {
        storeInCache({ context, key: call.cacheKey, body: cached.join(''), contentType: 'text/event-stream; charset=utf-8', model: prepared.model, usage: usage.usage, costInNanoUsd: settled.costInNanoUsd });
      }
    };
    const endWithError = (error: { code: string; message: string }): void => {
      write(streamErrorEvent({ dialect: call.route.dialect, code: error.code, message: error.message }));
      response.end();
    };

    inFlight.end = (error: WardenError) => {
      if (outcome !== undefined) return;
      endWithError(error);
      abortUpstream();
      finish('ended', error.code);
    };
    body.on('data', (chunk: Buffer) => {
      if (outcome !== undefined) return;
      call.times.firstByteAtInMs ??= context.clock.now();
      const out = translate(parser.push(chunk));
      write(passthrough ? chunk : out);
    });
    body.once('end', () => {
      if (outcome !== undefined) return;
      write(translate(parser.end()));
      if (translator) write(translator.end());
      response.end();
      finish('completed');
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
