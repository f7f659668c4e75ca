import type { ServerResponse } from 'node:http';
import type { MockDialect } from './mock-request-context.js';
import { requestIdHeader, sendMockJson } from './mock-response.js';

/** The kinds of error the mock answers with, each mapped to a status and body per dialect. */
export type MockErrorKind =
  | 'invalid-request'
  | 'authentication'
  | 'not-found'
  | 'payload-too-large'
  | 'rate-limit'
  | 'server-error'
  | 'overloaded';

interface ErrorShape {
  openAiStatus: number;
  openAiType: string;
  openAiCode: string | null;
  anthropicStatus: number;
  anthropicType: string;
}

const errorShapes = {
  'invalid-request': { openAiStatus: 400, openAiType: 'invalid_request_error', openAiCode: null, anthropicStatus: 400, anthropicType: 'invalid_request_error' },
  authentication: { openAiStatus: 401, openAiType: 'invalid_request_error', openAiCode: 'invalid_api_key', anthropicStatus: 401, anthropicType: 'authentication_error' },
  'not-found': { openAiStatus: 404, openAiType: 'invalid_request_error', openAiCode: 'unknown_url', anthropicStatus: 404, anthropicType: 'not_found_error' },
  'payload-too-large': { openAiStatus: 413, openAiType: 'invalid_request_error', openAiCode: null, anthropicStatus: 413, anthropicType: 'request_too_large' },
  'rate-limit': { openAiStatus: 429, openAiType: 'requests', openAiCode: 'rate_limit_exceeded', anthropicStatus: 429, anthropicType: 'rate_limit_error' },
  'server-error': { openAiStatus: 500, openAiType: 'server_error', openAiCode: null, anthropicStatus: 500, anthropicType: 'api_error' },
  // Anthropic signals overload with its own 529; OpenAI with 503.
  overloaded: { openAiStatus: 503, openAiType: 'server_error', openAiCode: null, anthropicStatus: 529, anthropicType: 'overloaded_error' },
} as const satisfies Record<MockErrorKind, ErrorShape>;

/** The status the mock answers `kind` with in `dialect`. */
export function mockErrorStatus(dialect: MockDialect, kind: MockErrorKind): number {
  const shape = errorShapes[kind];
  return dialect === 'openai' ? shape.openAiStatus : shape.anthropicStatus;
}

/**
 * The error body in the provider's own shape: OpenAI `{"error":{message,type,param,code}}`,
 * Anthropic `{"type":"error","error":{type,message},"request_id"}`.
 */
export function mockErrorBody(options: {
  dialect: MockDialect;
  kind: MockErrorKind;
  message: string;
  requestId: string;
  param?: string | null;
}): string {
  const shape = errorShapes[options.kind];
  if (options.dialect === 'openai') {
    return JSON.stringify({
      error: { message: options.message, type: shape.openAiType, param: options.param ?? null, code: shape.openAiCode },
    });
  }
  return JSON.stringify({
    type: 'error',
    error: { type: shape.anthropicType, message: options.message },
    request_id: options.requestId,
  });
}

/** Answers with an error in the route's dialect; `headers` adds e.g. `retry-after`. */
export function sendMockError(options: {
  response: ServerResponse;
  dialect: MockDialect;
  kind: MockErrorKind;
  message: string;
  requestId: string;
  param?: string | null;
  headers?: Record<string, string>;
}): void {
  const { response, dialect, kind, requestId, headers } = options;
  sendMockJson({
    response,
    status: mockErrorStatus(dialect, kind),
    bodyText: mockErrorBody(options),
    headers: { ...headers, [requestIdHeader[dialect]]: requestId },
  });
}
