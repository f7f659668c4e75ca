import type { IncomingHttpHeaders } from 'node:http';
import type { MockErrorKind } from './mock-errors.js';
import type { MockDialect } from './mock-request-context.js';

/** Why a request's credentials were refused, as the provider would word it. */
export interface MockAuthProblem {
  kind: Extract<MockErrorKind, 'authentication' | 'invalid-request'>;
  message: string;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(single(headers.authorization) ?? '')?.[1];
}

/**
 * The key a request presents: the bearer token for OpenAI; `x-api-key` for Anthropic, or the
 * bearer token, which `@anthropic-ai/sdk` 1.x sends for API keys.
 */
export function presentedApiKey(dialect: MockDialect, headers: IncomingHttpHeaders): string | undefined {
  if (dialect === 'openai') return bearerToken(headers);
  return single(headers['x-api-key'])?.trim() || bearerToken(headers);
}

/**
 * Checks what each provider checks first: OpenAI wants `Authorization: Bearer …`; Anthropic
 * wants a key (`x-api-key` or bearer) and `anthropic-version`. With `apiKeys`, only those pass.
 */
export function checkMockAuth(options: {
  dialect: MockDialect;
  headers: IncomingHttpHeaders;
  apiKeys: ReadonlySet<string> | undefined;
}): MockAuthProblem | undefined {
  const { dialect, headers, apiKeys } = options;
  const key = presentedApiKey(dialect, headers);
  if (dialect === 'openai') {
    if (key === undefined) {
      return {
        kind: 'authentication',
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      };
    }
    if (apiKeys !== undefined && !apiKeys.has(key)) {
      // OpenAI echoes part of the key it refused: a gateway must not relay this to its clients.
      return { kind: 'authentication', message: `Incorrect API key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}.` };
    }
    return undefined;
  }
  if (key === undefined) {
    return { kind: 'authentication', message: 'x-api-key header is required (or Authorization: Bearer with an API key)' };
  }
  if (apiKeys !== undefined && !apiKeys.has(key)) return { kind: 'authentication', message: 'invalid x-api-key' };
  if (single(headers['anthropic-version']) === undefined) {
    return { kind: 'invalid-request', message: 'anthropic-version: header is required' };
  }
  return undefined;
}
