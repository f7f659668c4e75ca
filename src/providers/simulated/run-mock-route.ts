import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveMockRequestPlan, type MockBehavior, type MockFault, type MockRequestPlan } from './mock-behavior.js';
import { sendMockError, type MockErrorKind } from './mock-errors.js';
import { isRecord } from './mock-input-tally.js';
import type { MockPromptCache } from './mock-prompt-cache.js';
import type { MockRequestContext, MockRoute, RecordedRequest } from './mock-request-context.js';

/** What `runMockRoute` needs besides the request: the route, its record and the server's state. */
export interface MockRouteRun {
  request: IncomingMessage;
  response: ServerResponse;
  route: MockRoute;
  record: RecordedRequest;
  sequence: number;
  requestId: string;
  maxBodyInBytes: number;
  nowInMs: number;
  promptCache: MockPromptCache | undefined;
  behavior: Readonly<MockBehavior>;
  /** Consumes the next scripted fault, if the script has one. */
  takeScriptedFault(): MockFault | undefined;
}

const faultMessages = {
  'rate-limit': {
    openai: 'Rate limit reached for requests. Please try again later.',
    anthropic: 'Number of requests has exceeded your rate limit. Please try again later.',
  },
  'server-error': {
    openai: 'The server had an error while processing your request. Sorry about that!',
    anthropic: 'Internal server error',
  },
  overloaded: {
    openai: 'The engine is currently overloaded, please try again later.',
    anthropic: 'Overloaded',
  },
} as const;

function readBody(request: IncomingMessage, maxBytes: number, done: (text: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  });
  request.on('end', () => {
    if (size > maxBytes) return done(undefined);
    done(chunks.length === 1 ? (chunks[0]?.toString('utf8') ?? '') : Buffer.concat(chunks, size).toString('utf8'));
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // The caller answers 400 for anything that is not a JSON object, so a syntax error is just "no body".
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Plays a fault that replaces the answer; returns false when the route must still answer (stream cuts). */
function playFault(context: MockRequestContext, fault: MockFault, route: MockRoute): boolean {
  const { response, requestId, plan } = context;
  const dialect = route.dialect;
  switch (fault.type) {
    case 'timeout':
      // Never answer: the client's own timeout ends the request, and the record says 'aborted'.
      return true;
    case 'reset-mid-body':
    case 'malformed-sse':
    case 'no-usage':
      // The route answers; these bend how (see sendMockAnswer and writeMockStream).
      return false;
    case 'disconnect':
      if (context.body.stream === true) return false;
      context.record.outcome = 'disconnected';
      response.socket?.destroy();
      return true;
    case 'rate-limit':
    case 'server-error':
    case 'overloaded': {
      // Rate limits say when to come back unless told not to; 5xx only when the fault asks, as real APIs mostly don't.
      const retryAfterInMs =
        fault.type !== 'rate-limit' ? fault.retryAfterInMs : fault.withoutRetryAfter === true ? undefined : (fault.retryAfterInMs ?? plan.retryAfterInMs);
      const headers =
        retryAfterInMs === undefined
          ? undefined
          : { 'retry-after': String(Math.ceil(retryAfterInMs / 1000)), 'retry-after-ms': String(retryAfterInMs) };
      sendMockError({ response, dialect, kind: fault.type, message: faultMessages[fault.type][dialect], requestId, headers });
      return true;
    }
  }
}

/**
 * Reads, checks and answers one request for `route`: 413 / 400 in the route's dialect for a bad
 * body or `x-mock-*` header, then the planned latency, then the fault or the route's answer.
 */
export function runMockRoute(run: MockRouteRun): void {
  const { request, response, route, record, requestId } = run;
  const fail = (kind: MockErrorKind, message: string, param: string | null = null): void => {
    sendMockError({ response, dialect: route.dialect, kind, message, requestId, param });
  };
  readBody(request, run.maxBodyInBytes, (text) => {
    if (response.destroyed) return;
    if (text === undefined) return fail('payload-too-large', `Request body is larger than ${run.maxBodyInBytes} bytes.`);
    const body = parseJson(text);
    record.body = body;
    if (!isRecord(body)) {
      return fail('invalid-request', 'We could not parse the JSON body of your request. Send a JSON object.');
    }
    record.stream = body.stream === true;
    const problem = route.validate(body);
    if (problem !== undefined) return fail('invalid-request', problem.message, problem.param);
    const plan: MockRequestPlan | string = resolveMockRequestPlan({
      headers: request.headers,
      behavior: run.behavior,
      takeScriptedFault: run.takeScriptedFault,
    });
    if (typeof plan === 'string') return fail('invalid-request', plan);
    record.fault = plan.fault?.type;
    const context: MockRequestContext = {
      request,
      response,
      body,
      plan,
      record,
      sequence: run.sequence,
      requestId,
      nowInSeconds: Math.floor(run.nowInMs / 1000),
      promptCache: run.promptCache,
    };
    const answer = (): void => {
      if (response.destroyed) return;
      if (plan.fault !== undefined && playFault(context, plan.fault, route)) return;
      route.answer(context);
    };
    if (plan.latencyInMs === 0) return answer();
    const timer = setTimeout(answer, plan.latencyInMs);
    response.once('close', () => clearTimeout(timer));
  });
}
