import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../../test/fixture-streams.js';
import { anthropicErrorToChat, chatErrorToAnthropic } from './translate-error-body.js';

describe('error body translation', () => {
  it('turns the recorded Anthropic error into an OpenAI error that keeps message and type', () => {
    const body = readFixtureJson('anthropic-messages/anthropic-issue-17366-error.json') as { error: { message: string } };
    expect(anthropicErrorToChat(body)).toEqual({
      error: { message: body.error.message, type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
    });
  });

  it('turns the recorded OpenAI errors into Anthropic errors', () => {
    const parameter = readFixtureJson('openai-chat/reasoning-model-legacy-parameter-error.json') as { error: { message: string } };
    expect(chatErrorToAnthropic(parameter)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: parameter.error.message } });
    expect(chatErrorToAnthropic(readFixtureJson('openai-responses/openai-error.1.json')).error.type).toBe('billing_error');
  });

  it.each([
    [{ type: 'requests', code: 'rate_limit_exceeded' }, 'rate_limit_error'],
    [{ type: 'invalid_request_error', code: 'invalid_api_key' }, 'authentication_error'],
    [{ type: 'invalid_request_error', code: 'model_not_found' }, 'not_found_error'],
    [{ type: 'server_error', code: null }, 'api_error'],
    [{ type: 'something_new' }, 'api_error'],
  ])('maps OpenAI %j to %s', (fields, anthropicType) => {
    expect(chatErrorToAnthropic({ error: { message: 'm', ...fields } }).error.type).toBe(anthropicType);
  });

  it('keeps the exact Anthropic type across a round trip', () => {
    for (const type of ['overloaded_error', 'rate_limit_error', 'permission_error', 'request_too_large', 'api_error']) {
      const original = { type: 'error', error: { type, message: `m ${type}` } };
      expect(chatErrorToAnthropic(anthropicErrorToChat(original))).toEqual(original);
    }
  });

  it('says what to do when the body has no message', () => {
    expect(anthropicErrorToChat('<html>Bad gateway</html>').error.message).toMatch(/retry the request/);
    expect(chatErrorToAnthropic({}).error).toMatchObject({ type: 'api_error', message: expect.stringMatching(/retry the request/) });
  });
});
