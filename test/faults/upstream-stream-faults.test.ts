import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { hello } from '../e2e/gateway-harness.js';
import { expectCleanErrorBody, expectNoLeakedReservations, expectNoStackTrace, settleRowsOf } from './fault-checks.js';
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

// Upstream streams that are slow, silent, malformed or never report usage, through the gateway with the official clients.
const { start } = faultGatewaySuite({ taskId: 'stream-task', config: upstreamFaultConfig });

describe('slow and silent upstreams', () => {
  it('a slow trickle within the body timeout is relayed whole and charged its reported usage', async () => {
    const fault = await start();
    const { gateway, openai, anthropic, recording } = fault;
    gateway.mock.setBehavior({ outputTokens: 6, chunkIntervalInMs: 60 });
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const run = await drainOpenAiStream(stream);
    expect(run.error).toBeUndefined();
    expect(run.text.split(' ')).toHaveLength(6);
    expect(run.finishReason).toBe('stop');
    const [settle] = await settleRowsOf(gateway.store, response.headers.get('x-warden-request-id') as string);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'ok', usage: expect.objectContaining({ outputTokens: 6 }) });
    expect(settle?.data?.usageEstimated).toBeUndefined();

    const anthropicStream = await anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const anthropicRun = await drainAnthropicStream(anthropicStream.data);
    expect(anthropicRun.error).toBeUndefined();
    expect(anthropicRun.text.split(' ')).toHaveLength(6);
    expect(anthropicRun.types.at(-1)).toBe('message_stop');
    const [anthropicSettle] = await settleRowsOf(gateway.store, anthropicStream.response.headers.get('x-warden-request-id') as string);
    expect(anthropicSettle).toMatchObject({ type: 'reservation-commit', status: 'ok', usage: expect.objectContaining({ outputTokens: 6 }) });
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('a trickle slower than upstream.bodyTimeoutInMs ends the stream with an error event and charges what came', async () => {
    const fault = await start();
    const { gateway, openai, anthropic, recording } = fault;
    gateway.mock.setBehavior({ chunkIntervalInMs: 1000 });
    const stream = await anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const run = await drainAnthropicStream(stream.data);
    expect(run.text.split(' ')).toHaveLength(1);
    expect(run.error).toBeInstanceOf(Anthropic.APIError);
    expect((run.error as AnthropicError).error).toMatchObject({ type: 'error', error: { type: 'api_error', code: 'upstream_error' } });
    expectNoStackTrace(JSON.stringify((run.error as AnthropicError).error));
    const [settle] = await settleRowsOf(gateway.store, stream.response.headers.get('x-warden-request-id') as string);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'upstream_error', errorCode: 'upstream_stream_broken' });
    expect(settle?.costInNanoUsd).toBeGreaterThan(0);

    const { data: openAiStream, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const openAiRun = await drainOpenAiStream(openAiStream);
    expect(openAiRun.text.split(' ')).toHaveLength(1);
    expect((openAiRun.error as OpenAIError).error).toMatchObject({ code: 'upstream_error' });
    const [openAiSettle] = await settleRowsOf(gateway.store, response.headers.get('x-warden-request-id') as string);
    expect(openAiSettle).toMatchObject({ type: 'reservation-commit', status: 'upstream_error', errorCode: 'upstream_stream_broken' });
    await gateway.mock.idle();
    // Warden gave up on the upstream: the mock saw each request end before it had written everything.
    expect(gateway.mock.requests.map((request) => request.outcome)).toEqual(['aborted', 'aborted']);
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('an upstream that never answers: each attempt times out at upstream.headersTimeoutInMs, then 504 upstream_timeout, JSON and streamed', async () => {
    const fault = await start();
    const { gateway, openai, anthropic, recording } = fault;
    gateway.mock.setBehavior({ fault: { type: 'timeout' } });
    const jsonError = (await caught(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }))) as OpenAIError;
    expect(jsonError.status).toBe(504);
    expectCleanErrorBody({ status: 504, body: { error: jsonError.error }, dialect: 'openai', code: 'upstream_timeout' });
    expect(jsonError.headers?.get('x-should-retry')).toBe('false');

    const streamError = (await caught(anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50, stream: true }))) as AnthropicError;
    expect(streamError.status).toBe(504);
    expectCleanErrorBody({ status: 504, body: streamError.error, dialect: 'anthropic', code: 'upstream_timeout' });
    expect(gateway.received).toHaveLength(2);

    for (const error of [jsonError, streamError]) {
      const settles = await settleRowsOf(gateway.store, requestIdOf(error), 2);
      expect(settles.map((row) => [row.type, row.status, row.errorCode])).toEqual([
        ['reservation-release', 'upstream_error', 'timeout'],
        ['reservation-release', 'upstream_error', 'timeout'],
      ]);
    }
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });
});

describe('streams that are not what they should be', () => {
  it('a malformed SSE event mid-stream ends the stream with a clean error event, charged for what was generated', async () => {
    const fault = await start();
    const { gateway, openai, anthropic, recording } = fault;
    gateway.mock.setBehavior({ fault: { type: 'malformed-sse', afterOutputTokens: 3 } });
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const openAiRun = await drainOpenAiStream(stream);
    expect(openAiRun.text.split(' ')).toHaveLength(3);
    expect(openAiRun.error).toBeInstanceOf(OpenAI.APIError);
    expect((openAiRun.error as OpenAIError).error).toMatchObject({ code: 'upstream_error' });

    const anthropicStream = await anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const anthropicRun = await drainAnthropicStream(anthropicStream.data);
    expect(anthropicRun.text.split(' ')).toHaveLength(3);
    expect(anthropicRun.error).toBeInstanceOf(Anthropic.APIError);
    expect((anthropicRun.error as AnthropicError).error).toMatchObject({ type: 'error', error: { code: 'upstream_error' } });

    for (const requestId of [response.headers.get('x-warden-request-id'), anthropicStream.response.headers.get('x-warden-request-id')]) {
      const [settle] = await settleRowsOf(gateway.store, requestId as string);
      expect(settle).toMatchObject({ type: 'reservation-commit', status: 'upstream_error', errorCode: 'upstream_stream_malformed', data: expect.objectContaining({ usageEstimated: true }) });
      expect(settle?.costInNanoUsd).toBeGreaterThan(0);
    }
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('a malformed event in a translated stream (OpenAI client, Anthropic model) ends it the same way', async () => {
    const fault = await start();
    const { gateway, openai, recording } = fault;
    gateway.mock.setBehavior({ fault: { type: 'malformed-sse', afterOutputTokens: 3 } });
    const { data: stream, response } = await openai.chat.completions.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const run = await drainOpenAiStream(stream);
    expect(gateway.mock.requests[0]?.path).toBe('/v1/messages');
    expect(run.text.split(' ')).toHaveLength(3);
    expect(run.error).toBeInstanceOf(OpenAI.APIError);
    expect((run.error as OpenAIError).error).toMatchObject({ code: 'upstream_error' });
    const [settle] = await settleRowsOf(gateway.store, response.headers.get('x-warden-request-id') as string);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'upstream_error', errorCode: 'upstream_stream_malformed', model: 'claude-haiku-4-5' });
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('a stream whose usage never comes ends normally for the client and is charged an upper bound of what it used, never $0', async () => {
    const fault = await start();
    const { gateway, openai, anthropic, recording } = fault;
    // The same call with usage first, for the price of what the mock really generated.
    const reported = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true }).withResponse();
    await drainOpenAiStream(reported.data);
    const [reportedRow] = await settleRowsOf(gateway.store, reported.response.headers.get('x-warden-request-id') as string);
    const actualCostInNanoUsd = reportedRow?.costInNanoUsd as number;
    expect(actualCostInNanoUsd).toBeGreaterThan(0);

    gateway.mock.setBehavior({ fault: { type: 'no-usage' } });
    const { data: stream, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true, stream_options: { include_usage: true } }).withResponse();
    let usageChunks = 0;
    let finishReason: string | null | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usageChunks += 1;
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    expect(finishReason).toBe('stop');
    expect(usageChunks).toBe(0);
    const [settle] = await settleRowsOf(gateway.store, response.headers.get('x-warden-request-id') as string);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'ok', data: expect.objectContaining({ usageEstimated: true }) });
    expect(settle?.costInNanoUsd).toBeGreaterThanOrEqual(actualCostInNanoUsd);
    expect(settle?.costInNanoUsd).toBeLessThanOrEqual(settle?.reservedInNanoUsd as number);

    const anthropicStream = await anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50, stream: true }).withResponse();
    const anthropicRun = await drainAnthropicStream(anthropicStream.data);
    expect(anthropicRun.error).toBeUndefined();
    expect(anthropicRun.types.at(-1)).toBe('message_stop');
    const [anthropicSettle] = await settleRowsOf(gateway.store, anthropicStream.response.headers.get('x-warden-request-id') as string);
    expect(anthropicSettle).toMatchObject({ type: 'reservation-commit', status: 'ok', data: expect.objectContaining({ usageEstimated: true }) });
    expect(anthropicSettle?.usage?.outputTokens).toBeGreaterThanOrEqual(12);
    expect(anthropicSettle?.costInNanoUsd).toBeGreaterThan(0);
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('a JSON answer without usage is charged its whole reservation and says so', async () => {
    const fault = await start();
    const { gateway, openai, recording } = fault;
    gateway.mock.setBehavior({ fault: { type: 'no-usage' } });
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }).withResponse();
    expect(data.usage).toBeUndefined();
    const [settle] = await settleRowsOf(gateway.store, response.headers.get('x-warden-request-id') as string);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'ok', data: expect.objectContaining({ usageMissing: true }) });
    expect(settle?.costInNanoUsd).toBe(settle?.reservedInNanoUsd);
    expect(response.headers.get('x-warden-cost-usd')).toBe(((settle?.costInNanoUsd as number) / 1e9).toString());
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });
});
