import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
beforeEach(async () => {
  harness = await createGatewayHarness({ config: { server: { maxBodyInBytes: 4096 }, models: { 'mystery-1': 'openai', 'mystery-2': 'anthropic' } } });
});
afterEach(async () => harness?.close());

/** What an official client raised, with the headers it saw. */
interface ClientError {
  status?: number;
  code?: string | null;
  error?: unknown;
  headers?: Headers;
}

/**
 * Runs a call the gateway must refuse with the clients' default maxRetries (2), and checks the
 * refusal reached the gateway once, never the upstream, and says not to retry.
 */
async function expectRefusal(call: () => Promise<unknown>, expected: { status: number; code: string }): Promise<ClientError> {
  const receivedBefore = harness.received.length;
  const error = await call().then(
    () => {
      throw new Error(`expected a ${expected.status} ${expected.code} refusal, but the call succeeded`);
    },
    (caught: unknown) => caught as ClientError,
  );
  expect({ status: error.status, code: error.code ?? (error.error as { error?: { code?: string } })?.error?.code }).toEqual(expected);
  expect(error.headers?.get('x-should-retry')).toBe('false');
  expect(harness.received.length - receivedBefore).toBe(1);
  expect(harness.mock.requests).toHaveLength(0);
  return error;
}

/** Ledger call-refuse rows of the request a refusal answered (its x-warden-request-id). */
async function refuseRowsOf(error: ClientError) {
  const requestId = error.headers?.get('x-warden-request-id');
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  return (await harness.rows('call-refuse')).filter((row) => row.requestId === requestId);
}

const chat = (openai: OpenAI, model = 'gpt-4o-mini') => () => openai.chat.completions.create({ model, messages: hello, max_tokens: 50 });
const message = (anthropic: Anthropic, model = 'claude-haiku-4-5') => () => anthropic.messages.create({ model, max_tokens: 50, messages: hello });

/** An Anthropic error body: `{ type: 'error', error: { type, message, code } }`. */
function anthropicShape(type: string, code: string) {
  return { type: 'error', error: { type, code, message: expect.any(String) } };
}

describe('gateway refusals on the OpenAI routes', () => {
  it('401 for an unknown key', async () => {
    const openai = new OpenAI({ apiKey: 'wk-not-a-key', baseURL: `${harness.url}/v1` });
    const error = await expectRefusal(chat(openai), { status: 401, code: 'unauthorized' });
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.error).toMatchObject({ type: 'authentication_error', code: 'unauthorized', param: null });
  });

  it('402 for a budget that cannot cover the call, recorded once in the ledger', async () => {
    const { openai } = await harness.client({ budgets: [{ window: 'day', hardInNanoUsd: 1 }] });
    const error = await expectRefusal(chat(openai), { status: 402, code: 'budget_exceeded' });
    expect(error.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded', message: expect.stringMatching(/Lower max_tokens|raise/i) });
    expect((await refuseRowsOf(error)).map((row) => row.errorCode)).toEqual(['budget_exceeded']);
  });

  it('403 model_not_allowed for a model outside the key’s list', async () => {
    const { openai } = await harness.client({ models: ['gpt-4o-mini'] });
    const error = await expectRefusal(chat(openai, 'gpt-4o'), { status: 403, code: 'model_not_allowed' });
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed' });
    expect(await refuseRowsOf(error)).toEqual([expect.objectContaining({ errorCode: 'model_not_allowed', status: 'refused', requestedModel: 'gpt-4o' })]);
  });

  it('403 kill_switch for a key that is switched off', async () => {
    const { openai, keyId } = await harness.client();
    await harness.admin('POST', '/admin/kill-switches', { target: `key:${keyId}` });
    const error = await expectRefusal(chat(openai), { status: 403, code: 'kill_switch' });
    expect(error.error).toMatchObject({ type: 'permission_error', code: 'kill_switch' });
    expect(await refuseRowsOf(error)).toEqual([expect.objectContaining({ errorCode: 'kill_switch', status: 'refused', keyId })]);
  });

  it('400 price_unknown for a routed model nobody prices, recorded once in the ledger', async () => {
    const { openai } = await harness.client();
    const error = await expectRefusal(chat(openai, 'mystery-1'), { status: 400, code: 'price_unknown' });
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const rows = await refuseRowsOf(error);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ errorCode: 'price_unknown', requestedModel: 'mystery-1', status: 'refused' });
  });

  it('413 for a body over server.maxBodyInBytes, from the client too', async () => {
    const { openai } = await harness.client();
    const long = [{ role: 'user' as const, content: 'x'.repeat(8192) }];
    const error = await expectRefusal(() => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: long }), { status: 413, code: 'payload_too_large' });
    expect(error.error).toMatchObject({ type: 'request_too_large', code: 'payload_too_large' });
  });
});

describe('gateway refusals to raw HTTP', () => {
  async function post(path: string, key: string, body: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, shouldRetry: response.headers.get('x-should-retry'), body: (await response.json()) as Record<string, any> };
  }

  it('400 invalid_request for a body that is not JSON, in each route’s dialect', async () => {
    const { key } = await harness.client();
    const openai = await post('/v1/chat/completions', key, '{"model": "gpt-4o-mini", ');
    expect(openai).toMatchObject({ status: 400, shouldRetry: 'false', body: { error: { type: 'invalid_request_error', code: 'invalid_request', message: expect.stringContaining('not valid JSON') } } });
    const anthropic = await post('/v1/messages', key, 'not json', { 'anthropic-version': '2023-06-01' });
    expect(anthropic).toMatchObject({ status: 400, shouldRetry: 'false', body: anthropicShape('invalid_request_error', 'invalid_request') });
    expect(harness.received).toHaveLength(2);
    expect(harness.mock.requests).toHaveLength(0);
  });

  it('413 payload_too_large for an oversize body, before it is read', async () => {
    const { key } = await harness.client();
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(8192) }] });
    const refused = await post('/v1/chat/completions', key, body);
    expect(refused).toMatchObject({ status: 413, shouldRetry: 'false', body: { error: { code: 'payload_too_large', warden: { maxBodyInBytes: 4096 } } } });
    expect(harness.mock.requests).toHaveLength(0);
  });
});

describe('gateway refusals on the Anthropic route', () => {
  it('401 for an unknown key, in the Anthropic error shape', async () => {
    const anthropic = new Anthropic({ apiKey: 'wk-not-a-key', baseURL: harness.url });
    const error = await expectRefusal(message(anthropic), { status: 401, code: 'unauthorized' });
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.error).toEqual(anthropicShape('authentication_error', 'unauthorized'));
  });

  it('402 budget_exceeded, in the Anthropic error shape', async () => {
    const { anthropic } = await harness.client({ budgets: [{ window: 'day', hardInNanoUsd: 1 }] });
    const error = await expectRefusal(message(anthropic), { status: 402, code: 'budget_exceeded' });
    expect(error.error).toMatchObject(anthropicShape('insufficient_quota', 'budget_exceeded'));
    expect(await refuseRowsOf(error)).toHaveLength(1);
  });

  it('403 model_not_allowed and kill_switch, in the Anthropic error shape', async () => {
    const { anthropic, keyId } = await harness.client({ models: ['claude-haiku-4-5'] });
    const notAllowed = await expectRefusal(message(anthropic, 'claude-sonnet-4-5'), { status: 403, code: 'model_not_allowed' });
    expect(notAllowed).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(notAllowed.error).toMatchObject(anthropicShape('permission_error', 'model_not_allowed'));
    await harness.admin('POST', '/admin/kill-switches', { target: `key:${keyId}` });
    const killed = await expectRefusal(message(anthropic), { status: 403, code: 'kill_switch' });
    expect(killed.error).toMatchObject(anthropicShape('permission_error', 'kill_switch'));
  });

  it('400 price_unknown, in the Anthropic error shape', async () => {
    const { anthropic } = await harness.client();
    const error = await expectRefusal(message(anthropic, 'mystery-2'), { status: 400, code: 'price_unknown' });
    expect(error.error).toMatchObject(anthropicShape('invalid_request_error', 'price_unknown'));
    expect(await refuseRowsOf(error)).toHaveLength(1);
  });
});
