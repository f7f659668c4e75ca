import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Usage } from '../../core/usage.js';
import type { MockFault, MockRequestPlan } from './mock-behavior.js';
import type { MockPromptCache } from './mock-prompt-cache.js';

/** Which provider's wire format a route speaks, including its error bodies. */
export type MockDialect = 'openai' | 'anthropic';

/**
 * How a recorded request ended: `completed` (answered in full), `failed` (an error status),
 * `aborted` (the client went away first), `disconnected` (the mock cut it on purpose).
 */
export type MockRequestOutcome = 'pending' | 'completed' | 'failed' | 'aborted' | 'disconnected';

/** One request the mock received, updated in place until it ends. */
export interface RecordedRequest {
  /** 1-based arrival order on this server. */
  id: number;
  method: string;
  /** Path without the query string. */
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  body: unknown;
  stream: boolean;
  receivedAtInMs: number;
  endedAtInMs: number | undefined;
  fault: MockFault['type'] | undefined;
  status: number | undefined;
  outcome: MockRequestOutcome;
  /** Output tokens written to the socket so far (all of them for JSON answers). */
  outputTokensSent: number;
  /**
   * The usage the mock reported, or would have reported had the stream finished, in Warden's
   * normalised shape (`inputTokens` is uncached input only).
   */
  usage: Usage | undefined;
}

/** Everything a route handler needs to answer one validated request. */
export interface MockRequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  body: Record<string, unknown>;
  plan: MockRequestPlan;
  record: RecordedRequest;
  /** Unique per server; routes derive their object ids from it. */
  sequence: number;
  requestId: string;
  nowInSeconds: number;
  /** Undefined when prompt caching is off. */
  promptCache: MockPromptCache | undefined;
}

/** A problem with a request body, in the provider's words; `param` names the field for OpenAI. */
export interface MockValidationProblem {
  message: string;
  param: string | null;
}

/** One endpoint of the mock: checks a parsed body, then answers it. */
export interface MockRoute {
  dialect: MockDialect;
  validate(body: Record<string, unknown>): MockValidationProblem | undefined;
  answer(context: MockRequestContext): void;
}
