import { dialectUsage } from '../providers/dialect-usage.js';
import { observedToolCalls } from '../providers/observe-call.js';
import { settleCall } from '../sdk/settle-call.js';
import { budgetRemaining } from './budget-remaining.js';
import { checkCalledTools } from './check-tools.js';
import { attemptLedgerData, type CallAttempt } from './call-attempt.js';
import type { GatewayContext } from './gateway-context.js';
import { storeInCache } from './response-cache.js';
import { wardenResponseHeaders } from './response-headers.js';
import { sendError } from './send-error.js';

/**
 * Answers a successful non-streamed upstream response: reads its usage, settles the call, and
 * sends the body (translated to the client's dialect when needed) with the cost headers.
 */
export async function relayJson(options: { context: GatewayContext; attempt: CallAttempt; upstreamText: string }): Promise<void> {
  const { context, attempt, upstreamText } = options;
  const { call, prepared, translation } = attempt;
  let parsed: unknown;
  try {
    parsed = JSON.parse(upstreamText);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    parsed = undefined;
  }
  if (context.config.loopDetection !== undefined || call.toolCheck !== undefined || context.taskLimits.countsToolCalls) call.toolCalls = observedToolCalls(translation.upstreamDialect, parsed);
  // A 200 without readable usage is charged its whole reservation, never $0.
  const { usage } = parsed === undefined ? { usage: undefined } : dialectUsage[translation.upstreamDialect].readUsage(parsed);
  const settled = await settleCall(context.runtime, prepared, {
    status: 'ok',
    ...(usage ? { usage } : {}),
    retries: attempt.retries,
    data: attemptLedgerData(attempt, context.clock.now()),
  });
  context.metrics.recordCall(settled.record);
  const toolRefusal = call.toolCheck === undefined ? undefined : await checkCalledTools({ context, toolCalls: call.toolCalls ?? [], who: call.toolCheck });
  if (toolRefusal !== undefined) {
    sendError({ response: call.response, dialect: call.route.errorDialect, error: toolRefusal, requestId: call.requestId });
    return;
  }
  const clientBody =
    parsed !== undefined && translation.responseToClient
      ? JSON.stringify(translation.responseToClient(parsed, { requestId: call.requestId, requestedModel: prepared.requestedModel, createdInSeconds: Math.floor(context.clock.now() / 1000) }))
      : upstreamText;
  if (call.beforeAnswer !== undefined) await call.beforeAnswer();
  // The answer is paid for: a budget store that cannot say what is left only drops the header.
  const remainingInNanoUsd = await budgetRemaining({ store: context.store, rules: prepared.rules, lines: settled.lines, metrics: context.metrics }).catch((error: unknown) => {
    context.logger.warn({ err: error }, 'could not read the remaining budget');
    return undefined;
  });
  if (call.cacheKey !== undefined && usage) {
    storeInCache({ context, key: call.cacheKey, body: clientBody, contentType: 'application/json', model: prepared.model, usage, costInNanoUsd: settled.costInNanoUsd });
  }
  const bytes = Buffer.from(clientBody);
  call.response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': bytes.length,
    ...wardenResponseHeaders({
      requestId: call.requestId,
      model: prepared.model,
      costInNanoUsd: settled.costInNanoUsd,
      ...(remainingInNanoUsd === undefined ? {} : { remainingInNanoUsd }),
      cache: call.cacheKey === undefined ? 'off' : 'miss',
    }),
  });
  call.response.end(bytes);
}
