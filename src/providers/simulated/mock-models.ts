import type { ServerResponse } from 'node:http';
import { sendMockError } from './mock-errors.js';
import type { MockDialect } from './mock-request-context.js';
import { requestIdHeader, sendMockJson } from './mock-response.js';

/** The models `GET /v1/models` lists when the server is given none. */
export const defaultMockModels: readonly string[] = [
  'gpt-4o-mini',
  'gpt-4.1-nano',
  'gpt-5-mini',
  'o4-mini',
  'text-embedding-3-small',
  'claude-haiku-4-5',
  'claude-sonnet-4-5',
];

function modelEntry(dialect: MockDialect, id: string, createdInSeconds: number): Record<string, unknown> {
  return dialect === 'openai'
    ? { id, object: 'model', created: createdInSeconds, owned_by: 'warden-mock' }
    : { type: 'model', id, display_name: id, created_at: new Date(createdInSeconds * 1000).toISOString() };
}

/** The body of `GET /v1/models` in the dialect the client speaks. */
export function mockModelListBody(dialect: MockDialect, models: readonly string[], createdInSeconds: number): string {
  const data = models.map((id) => modelEntry(dialect, id, createdInSeconds));
  if (dialect === 'openai') return JSON.stringify({ object: 'list', data });
  return JSON.stringify({ data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null });
}

/** The body of `GET /v1/models/{id}`; undefined for a model the server does not list. */
export function mockModelBody(dialect: MockDialect, models: readonly string[], id: string, createdInSeconds: number): string | undefined {
  return models.includes(id) ? JSON.stringify(modelEntry(dialect, id, createdInSeconds)) : undefined;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    // A malformed escape is looked up as written rather than failing the request.
    if (error instanceof URIError) return segment;
    throw error;
  }
}

/** Answers `GET /v1/models` and `GET /v1/models/{id}`; an unlisted id gets 404. */
export function answerMockModels(options: {
  response: ServerResponse;
  dialect: MockDialect;
  models: readonly string[];
  path: string;
  requestId: string;
  nowInMs: number;
}): void {
  const { response, dialect, models, path, requestId } = options;
  const createdInSeconds = Math.floor(options.nowInMs / 1000);
  const headers = { [requestIdHeader[dialect]]: requestId };
  if (path === '/v1/models') {
    sendMockJson({ response, status: 200, bodyText: mockModelListBody(dialect, models, createdInSeconds), headers });
    return;
  }
  const id = decodePathSegment(path.slice('/v1/models/'.length));
  const bodyText = mockModelBody(dialect, models, id, createdInSeconds);
  if (bodyText !== undefined) {
    sendMockJson({ response, status: 200, bodyText, headers });
    return;
  }
  sendMockError({ response, dialect, kind: 'not-found', message: `The model '${id}' does not exist`, requestId });
}
