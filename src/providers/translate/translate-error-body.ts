import { recordField, stringField } from '../json-fields.js';
import type { AnthropicErrorBody } from './anthropic-wire-types.js';
import type { ChatErrorBody } from './chat-wire-types.js';

const missingMessage = 'The upstream provider reported an error without a message; retry the request.';

const chatTypeByAnthropicType: Readonly<Record<string, string>> = {
  invalid_request_error: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  billing_error: 'insufficient_quota',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  overloaded_error: 'server_error',
  timeout_error: 'server_error',
};

// OpenAI's `code` is more specific than its `type`, so it is consulted first.
const anthropicTypeByChatCode: Readonly<Record<string, string>> = {
  invalid_api_key: 'authentication_error',
  insufficient_quota: 'billing_error',
  rate_limit_exceeded: 'rate_limit_error',
  model_not_found: 'not_found_error',
};
const anthropicTypeByChatType: Readonly<Record<string, string>> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  request_too_large: 'request_too_large',
  insufficient_quota: 'billing_error',
  rate_limit_error: 'rate_limit_error',
  requests: 'rate_limit_error',
  tokens: 'rate_limit_error',
  server_error: 'api_error',
};

/**
 * An Anthropic error body (`{type: 'error', error: {type, message}}`) as OpenAI's
 * `{error: {message, type, param, code}}`; `code` keeps the Anthropic type.
 * @example anthropicErrorToChat({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
 */
export function anthropicErrorToChat(body: unknown): ChatErrorBody {
  const error = recordField(body, 'error');
  const anthropicType = stringField(error, 'type') ?? 'api_error';
  return {
    error: {
      message: stringField(error, 'message') ?? missingMessage,
      type: chatTypeByAnthropicType[anthropicType] ?? 'server_error',
      param: null,
      code: anthropicType,
    },
  };
}

/**
 * An OpenAI error body as Anthropic's, choosing the Anthropic error type from OpenAI's code and type.
 * @example chatErrorToAnthropic({ error: { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' } });
 */
export function chatErrorToAnthropic(body: unknown): AnthropicErrorBody {
  const error = recordField(body, 'error');
  const code = stringField(error, 'code') ?? '';
  const type = stringField(error, 'type') ?? '';
  // A code that already is an Anthropic type came from anthropicErrorToChat; keep it exact.
  const anthropicType = (code in chatTypeByAnthropicType ? code : undefined) ?? anthropicTypeByChatCode[code] ?? anthropicTypeByChatType[type] ?? 'api_error';
  return { type: 'error', error: { type: anthropicType, message: stringField(error, 'message') ?? missingMessage } };
}
