import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.js';
import { WardenError } from '../../core/warden-error.js';
import { mockAnthropicMessagesRoute } from './mock-anthropic-messages.js';
import { checkMockAuth } from './mock-auth.js';
import { defaultMockBehavior, mergeMockBehavior, type MockBehavior, type MockFault } from './mock-behavior.js';
import { sendMockError, type MockErrorKind } from './mock-errors.js';
import { mockOpenAiChatRoute } from './mock-openai-chat.js';
import { mockOpenAiEmbeddingsRoute } from './mock-openai-embeddings.js';
import { mockOpenAiResponsesRoute } from './mock-openai-responses.js';
import { createMockPromptCache, type MockPromptCache } from './mock-prompt-cache.js';
import type { MockDialect, MockRoute, RecordedRequest } from './mock-request-context.js';
import { answerMockModels, defaultMockModels } from './mock-models.js';
import { runMockRoute } from './run-mock-route.js';

/** Options of a mock upstream, shared by the server and the bare request handler. */
export interface MockUpstreamHandlerOptions {
  /** Starting behaviour; `reset()` returns to it. Defaults: 64 output tokens, no latency, no fault. */
  behavior?: Partial<MockBehavior>;
  /** Automatic prefix caching (OpenAI) and `cache_control` caching (Anthropic). Default true. */
  promptCaching?: boolean;
  /** Shortest prefix the prompt cache stores, as the providers' 1024-token floor. Default 1024. */
  minimumCacheableTokens?: number;
  /** When set, only these keys pass auth; otherwise any non-empty key does. */
  apiKeys?: readonly string[];
  /** What `GET /v1/models` lists. */
  models?: readonly string[];
  /** Oldest recorded requests are dropped past this many. Default 1000. */
  maxRecordedRequests?: number;
  /** Larger bodies get 413. Default 32 MiB. */
  maxBodyInBytes?: number;
  clock?: Clock;
}

/** The mock's request handler and its controls, without a socket of its own. */
export interface MockUpstreamHandler {
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Requests in arrival order, each updated in place until it ends. */
  readonly requests: RecordedRequest[];
  readonly behavior: Readonly<MockBehavior>;
  /** Changes the standing behaviour; fields left out keep their value. */
  setBehavior(change: Partial<MockBehavior>): void;
  /** The next requests play these faults in order (`null`: answer normally), then the standing behaviour resumes. */
  setScript(steps: ReadonlyArray<MockFault | null>): void;
  /** Shorthand for a script of `count` copies of `fault`: e.g. fail twice with 429, then succeed. */
  failNext(count: number, fault: MockFault): void;
  /** Forgets recorded requests, the script and the prompt cache, and restores the starting behaviour. */
  reset(): void;
  /** Resolves once no request is in flight, so recorded outcomes are final. */
  idle(): Promise<void>;
}

const routes: ReadonlyMap<string, MockRoute> = new Map([
  ['POST /v1/chat/completions', mockOpenAiChatRoute],
  ['POST /v1/responses', mockOpenAiResponsesRoute],
  ['POST /v1/embeddings', mockOpenAiEmbeddingsRoute],
  ['POST /v1/messages', mockAnthropicMessagesRoute],
]);

/** Anthropic clients always send `anthropic-version`; everything else is treated as OpenAI. */
function guessDialect(request: IncomingMessage): MockDialect {
  return request.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

function checkedBehavior(base: Readonly<MockBehavior>, change: Partial<MockBehavior>): MockBehavior {
  const merged = mergeMockBehavior(base, change);
  if (typeof merged === 'string') throw new WardenError('invalid_config', `Mock upstream behaviour: ${merged}`);
  return merged;
}

/**
 * Creates the mock upstream's request handler, for mounting on any `node:http` server.
 * `createMockUpstream` wraps it in a server of its own.
 */
export function createMockUpstreamHandler(options: MockUpstreamHandlerOptions = {}): MockUpstreamHandler {
  const {
    promptCaching = true,
    minimumCacheableTokens = 1024,
    models = defaultMockModels,
    maxRecordedRequests = 1000,
    maxBodyInBytes = 32 * 1024 * 1024,
    clock = { now: () => Date.now() },
  } = options;
  const initialBehavior = checkedBehavior(defaultMockBehavior, options.behavior ?? {});
  const apiKeys = options.apiKeys === undefined ? undefined : new Set(options.apiKeys);
  const promptCache: MockPromptCache | undefined = promptCaching
    ? createMockPromptCache({ clock, minimumCacheableTokens })
    : undefined;
  const requests: RecordedRequest[] = [];
  const script: Array<MockFault | null> = [];
  let behavior = initialBehavior;
  let sequence = 0;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];

  const settle = (record: RecordedRequest, response: ServerResponse): void => {
    record.endedAtInMs = clock.now();
    if (response.headersSent) record.status = response.statusCode;
    if (record.outcome === 'pending') {
      if (!response.writableFinished) record.outcome = 'aborted';
      else record.outcome = response.statusCode >= 400 ? 'failed' : 'completed';
    }
    inFlight -= 1;
    if (inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    sequence += 1;
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const record: RecordedRequest = {
      id: sequence,
      method: request.method ?? 'GET',
      path: queryStart === -1 ? url : url.slice(0, queryStart),
      url,
      headers: request.headers,
      body: undefined,
      stream: false,
      receivedAtInMs: clock.now(),
      endedAtInMs: undefined,
      fault: undefined,
      status: undefined,
      outcome: 'pending',
      outputTokensSent: 0,
      usage: undefined,
    };
    if (requests.length >= maxRecordedRequests) requests.shift();
    requests.push(record);
    inFlight += 1;
    response.once('close', () => settle(record, response));

    const requestId = `req_mock${sequence}`;
    const route = routes.get(`${record.method} ${record.path}`);
    const dialect = route?.dialect ?? guessDialect(request);
    const fail = (kind: MockErrorKind, message: string): void => {
      request.resume();
      sendMockError({ response, dialect, kind, message, requestId });
    };
    const authProblem = checkMockAuth({ dialect, headers: request.headers, apiKeys });
    if (record.method === 'GET' && (record.path === '/v1/models' || record.path.startsWith('/v1/models/'))) {
      if (authProblem !== undefined) return fail(authProblem.kind, authProblem.message);
      request.resume();
      return answerMockModels({ response, dialect, models, path: record.path, requestId, nowInMs: clock.now() });
    }
    if (route === undefined) return fail('not-found', `Invalid URL (${record.method} ${record.path})`);
    if (authProblem !== undefined) return fail(authProblem.kind, authProblem.message);
    runMockRoute({
      request,
      response,
      route,
      record,
      sequence,
      requestId,
      maxBodyInBytes,
      nowInMs: clock.now(),
      promptCache,
      behavior,
      takeScriptedFault: () => script.shift() ?? undefined,
    });
  };

  return {
    handle,
    requests,
    get behavior() {
      return behavior;
    },
    setBehavior(change) {
      behavior = checkedBehavior(behavior, change);
    },
    setScript(steps) {
      script.length = 0;
      script.push(...steps);
    },
    failNext(count, fault) {
      script.length = 0;
      for (let index = 0; index < count; index += 1) script.push(fault);
    },
    reset() {
      requests.length = 0;
      script.length = 0;
      behavior = initialBehavior;
      promptCache?.clear();
    },
    idle() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
