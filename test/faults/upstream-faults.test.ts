import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { hello } from '../e2e/gateway-harness.js';
import { expectCleanErrorBody, expectNoLeakedReservations, expectNoStackTrace, rowsOf, settleRowsOf } from './fault-checks.js';
import {
  caught,
  drainAnthropicStream,
  drainOpenAiStream,
  expectServesNext,
  faultGatewaySuite,
  requestIdOf,
  upstreamFaultConfig,
  type AnthropicError,
  type OpenAIError,
} from './fault-gateway.js';

// Upstream answers that are errors or break off, through the gateway with the official clients.
const { start } = faultGatewaySuite({ taskId: 'upstream-task', config: upstreamFaultConfig });

describe('upstream 429 and 5xx', () => {
  it('429 with Retry-After: waits what it names, retries once, then answers 502 upstream_error the client does not retry', async () => {
    const fault = await start();
    const { gateway, openai, recording } = fault;
    gateway.mock.setBehavior({ fault: { type: 'rate-limit', retryAfterInMs: 40 } });
    const error = (await caught(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }))) as OpenAIError;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(502);
    expect(error.headers?.get('x-should-retry')).toBe('false');
    expectCleanErrorBody({ status: 502, body: { error: error.error }, dialect: 'openai', code: 'upstream_error' });
    expect(gateway.received).toHaveLength(1);
    expect(gateway.mock.requests.map((request) => request.status)).toEqual([429, 429]);

    const requestId = requestIdOf(error);
    const retries = (await rowsOf(gateway.store, requestId)).filter((row) => row.type === 'call-retry');
    expect(retries.map((row) => row.data)).toEqual([
      expect.objectContaining({ attempt: 1, delayInMs: 40 }),
      expect.objectContaining({ attempt: 2, stopped: expect.any(String) }),
    ]);
    const settles = await settleRowsOf(gateway.store, requestId, 2);
    expect(settles.map((row) => [row.type, row.status, row.errorCode, row.costInNanoUsd])).toEqual([
      ['reservation-release', 'upstream_error', 'http_429', 0],
      ['reservation-release', 'upstream_error', 'http_429', 0],
    ]);
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('429 without Retry-After: backs off by its own policy (at most retry.maxDelayInMs) and answers 502', async () => {
    const fault = await start();
    const { gateway, openai, recording } = fault;
    gateway.mock.setBehavior({ fault: { type: 'rate-limit', withoutRetryAfter: true } });
    const error = (await caught(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }))) as OpenAIError;
    expect(error.status).toBe(502);
    expectCleanErrorBody({ status: 502, body: { error: error.error }, dialect: 'openai', code: 'upstream_error' });
    const requestId = requestIdOf(error);
    const [retry] = (await rowsOf(gateway.store, requestId)).filter((row) => row.type === 'call-retry');
    expect(retry?.data).toMatchObject({ attempt: 1, delayInMs: expect.any(Number) });
    expect(retry?.data?.delayInMs as number).toBeLessThanOrEqual(5);
    const settles = await settleRowsOf(gateway.store, requestId, 2);
    expect(settles.map((row) => [row.status, row.errorCode])).toEqual([
      ['upstream_error', 'http_429'],
      ['upstream_error', 'http_429'],
    ]);
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('500 on the OpenAI route and 529 on the Anthropic route: 502 upstream_error in each dialect', async () => {
    const fault = await start();
    const { gateway, openai, anthropic, recording } = fault;
    gateway.mock.setBehavior({ fault: { type: 'server-error' } });
    const openAiError = (await caught(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }))) as OpenAIError;
    expectCleanErrorBody({ status: openAiError.status as number, body: { error: openAiError.error }, dialect: 'openai', code: 'upstream_error' });
    expect(openAiError.status).toBe(502);

    gateway.mock.setBehavior({ fault: { type: 'overloaded' } });
    const anthropicError = (await caught(anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50 }))) as AnthropicError;
    expect(anthropicError).toBeInstanceOf(Anthropic.APIError);
    expect(anthropicError.status).toBe(502);
    expectCleanErrorBody({ status: 502, body: anthropicError.error, dialect: 'anthropic', code: 'upstream_error' });
    expect(gateway.mock.requests.map((request) => request.status)).toEqual([500, 500, 529, 529]);
    expect(gateway.received).toHaveLength(2);

    const openAiSettles = await settleRowsOf(gateway.store, requestIdOf(openAiError), 2);
    expect(openAiSettles.map((row) => row.errorCode)).toEqual(['http_500', 'http_500']);
    const anthropicSettles = await settleRowsOf(gateway.store, requestIdOf(anthropicError), 2);
    expect(anthropicSettles.map((row) => [row.status, row.errorCode])).toEqual([
      ['upstream_error', 'http_529'],
      ['upstream_error', 'http_529'],
    ]);
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });
});

describe('upstream connections that break', () => {
  it('a JSON answer cut mid-body: retried, and each broken attempt is charged its reservation (the provider answered), never $0', async () => {
    const fault = await start();
    const { gateway, openai, recording } = fault;
    gateway.mock.setBehavior({ fault: { type: 'reset-mid-body' } });
    const error = (await caught(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }))) as OpenAIError;
    expect(error.status).toBe(502);
    expectCleanErrorBody({ status: 502, body: { error: error.error }, dialect: 'openai', code: 'upstream_error' });
    expect(gateway.mock.requests.map((request) => [request.status, request.outcome])).toEqual([
      [200, 'disconnected'],
      [200, 'disconnected'],
    ]);
    const settles = await settleRowsOf(gateway.store, requestIdOf(error), 2);
    for (const row of settles) {
      expect(row).toMatchObject({ type: 'reservation-commit', status: 'upstream_error', errorCode: 'upstream_body_broken' });
      expect(row.costInNanoUsd).toBe(row.reservedInNanoUsd);
      expect(row.costInNanoUsd).toBeGreaterThan(0);
      expect(row.data).toMatchObject({ usageMissing: true });
    }
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('a stream cut mid-way: OpenAI and Anthropic clients get an error event in their dialect, charged for what was generated', async () => {
    const fault = await start();
    const { gateway, openai, anthropic, recording } = fault;
    gateway.mock.setBehavior({ chunkIntervalInMs: 5, fault: { type: 'disconnect', afterOutputTokens: 4 } });
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const openAiRun = await drainOpenAiStream(stream);
    expect(openAiRun.text.split(' ')).toHaveLength(4);
    expect(openAiRun.error).toBeInstanceOf(OpenAI.APIError);
    expect((openAiRun.error as OpenAIError).error).toMatchObject({ code: 'upstream_error', type: 'warden_error' });
    expectNoStackTrace(JSON.stringify((openAiRun.error as OpenAIError).error));

    const anthropicStream = await anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const anthropicRun = await drainAnthropicStream(anthropicStream.data);
    expect(anthropicRun.text.split(' ')).toHaveLength(4);
    expect(anthropicRun.error).toBeInstanceOf(Anthropic.APIError);
    expect((anthropicRun.error as AnthropicError).error).toMatchObject({ type: 'error', error: { code: 'upstream_error' } });
    expect(anthropicRun.types).not.toContain('message_stop');

    for (const requestId of [response.headers.get('x-warden-request-id'), anthropicStream.response.headers.get('x-warden-request-id')]) {
      const [settle] = await settleRowsOf(gateway.store, requestId as string);
      expect(settle).toMatchObject({ type: 'reservation-commit', status: 'upstream_error', errorCode: 'upstream_stream_broken', data: expect.objectContaining({ usageEstimated: true, stream: true }) });
      // Four words were generated: charged at least for those, at most what was reserved.
      expect(settle?.usage?.outputTokens).toBeGreaterThanOrEqual(4);
      expect(settle?.costInNanoUsd).toBeGreaterThan(0);
      expect(settle?.costInNanoUsd).toBeLessThanOrEqual(settle?.reservedInNanoUsd as number);
    }
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });
});
