import { request as httpRequest, type IncomingMessage } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { LedgerRow } from '../../src/core/ledger-event.js';
import { hello, waitFor, type GatewayHarness } from '../e2e/gateway-harness.js';
import { expectNoLeakedReservations, settleRowsOf } from './fault-checks.js';
import { expectServesNext, faultGatewaySuite, type FaultGateway } from './fault-gateway.js';

const { start } = faultGatewaySuite({ taskId: 'disconnect-task', config: { retry: { maxRetries: 0 } } });

/** The one settle row the gateway wrote, once it is written. */
async function onlySettleRow(gateway: GatewayHarness): Promise<LedgerRow> {
  const rows = await waitFor(async () => {
    const settles = [...(await gateway.rows('reservation-commit')), ...(await gateway.rows('reservation-release'))];
    return settles.length > 0 ? settles : undefined;
  });
  expect(rows).toHaveLength(1);
  return rows[0] as LedgerRow;
}

/** A chat call over a bare socket, so the test decides exactly when the connection goes. */
function openRawCall(fault: FaultGateway, stream = true): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${fault.gateway.url}/v1/chat/completions`);
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { authorization: `Bearer ${fault.key}`, 'content-type': 'application/json', ...fault.headers } },
      resolve,
    );
    outgoing.once('error', reject);
    outgoing.end(JSON.stringify({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream }));
  });
}

describe('the client leaves before the upstream answers', () => {
  it('JSON: the upstream request is stopped and the call is charged its reservation (the provider may have generated it)', async () => {
    const fault = await start();
    const { gateway, openai, recording } = fault;
    gateway.mock.setBehavior({ latencyInMs: 2000 });
    const controller = new AbortController();
    const call = openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }, { signal: controller.signal });
    await waitFor(() => gateway.mock.requests.length === 1);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);

    const settle = await onlySettleRow(gateway);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'client_disconnected', data: expect.objectContaining({ usageMissing: true }) });
    expect(settle.costInNanoUsd).toBe(settle.reservedInNanoUsd);
    await gateway.mock.idle();
    expect(gateway.mock.requests[0]).toMatchObject({ outcome: 'aborted', outputTokensSent: 0 });
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('stream on /v1/messages: the same, through the Anthropic SDK', async () => {
    const fault = await start();
    const { gateway, anthropic, recording } = fault;
    gateway.mock.setBehavior({ latencyInMs: 2000 });
    const controller = new AbortController();
    const call = anthropic.messages.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 50, stream: true }, { signal: controller.signal });
    await waitFor(() => gateway.mock.requests.length === 1);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);

    const settle = await onlySettleRow(gateway);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'client_disconnected', model: 'claude-haiku-4-5' });
    expect(settle.costInNanoUsd).toBe(settle.reservedInNanoUsd);
    await gateway.mock.idle();
    expect(gateway.mock.requests[0]?.outcome).toBe('aborted');
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });
});

describe('the client leaves while Warden waits to retry', () => {
  it('the retry is never sent and the failed attempt stays released', async () => {
    // Retry-After long enough for the client to give up first.
    const fault = await start({ retry: { maxRetries: 2, maxRetryAfterInMs: 60_000 } });
    const { gateway, openai, recording } = fault;
    gateway.mock.failNext(1, { type: 'rate-limit', retryAfterInMs: 30_000 });
    const controller = new AbortController();
    const call = openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }, { signal: controller.signal });
    const [retry] = await waitFor(async () => {
      const rows = await gateway.rows('call-retry');
      return rows.length > 0 ? rows : undefined;
    });
    expect(retry?.data).toMatchObject({ attempt: 1, delayInMs: 30_000 });
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);

    const settle = await onlySettleRow(gateway);
    expect(settle).toMatchObject({ type: 'reservation-release', status: 'upstream_error', errorCode: 'http_429' });
    expect(gateway.mock.requests).toHaveLength(1);
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });
});

describe('the client leaves mid-stream', () => {
  it('the SDK stops reading: the upstream is stopped and the call charged for what was generated', async () => {
    const fault = await start();
    const { gateway, openai, recording } = fault;
    gateway.mock.setBehavior({ outputTokens: 400, chunkIntervalInMs: 10 });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 500, stream: true });
    let words = 0;
    for await (const chunk of stream) {
      if ((chunk.choices[0]?.delta.content ?? '') !== '') words += 1;
      if (words === 3) break;
    }
    const settle = await onlySettleRow(gateway);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'client_disconnected', data: expect.objectContaining({ usageEstimated: true, stream: true }) });
    expect(settle.usage?.outputTokens).toBeGreaterThanOrEqual(3);
    expect(settle.costInNanoUsd).toBeGreaterThan(0);
    expect(settle.costInNanoUsd).toBeLessThan(settle.reservedInNanoUsd as number);
    await gateway.mock.idle();
    expect(gateway.mock.requests[0]?.outcome).toBe('aborted');
    expect(gateway.mock.requests[0]?.outputTokensSent).toBeLessThan(400);
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('the socket is destroyed after the first bytes: the same', async () => {
    const fault = await start();
    const { gateway, recording } = fault;
    gateway.mock.setBehavior({ outputTokens: 400, chunkIntervalInMs: 10 });
    const response = await openRawCall(fault);
    expect(response.statusCode).toBe(200);
    const requestId = response.headers['x-warden-request-id'] as string;
    await new Promise<void>((resolve) => response.once('data', () => resolve()));
    response.socket.destroy();

    const [settle] = await settleRowsOf(gateway.store, requestId);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'client_disconnected', data: expect.objectContaining({ usageEstimated: true }) });
    expect(settle?.costInNanoUsd).toBeGreaterThan(0);
    await gateway.mock.idle();
    expect(gateway.mock.requests[0]?.outcome).toBe('aborted');
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });
});

describe('the client leaves after the last byte', () => {
  it('a stream read to its end, then the socket destroyed: an ordinary ok call charged its reported usage', async () => {
    const fault = await start();
    const { gateway, recording } = fault;
    gateway.mock.setBehavior({ chunkIntervalInMs: 2 });
    const response = await openRawCall(fault);
    const requestId = response.headers['x-warden-request-id'] as string;
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (text: string) => (body += text));
    await new Promise<void>((resolve) => response.once('end', () => resolve()));
    response.socket?.destroy();
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);

    const [settle] = await settleRowsOf(gateway.store, requestId);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'ok', usage: expect.objectContaining({ inputTokens: 10, outputTokens: 12 }) });
    expect(settle?.data?.usageEstimated).toBeUndefined();
    await gateway.mock.idle();
    expect(gateway.mock.requests[0]?.outcome).toBe('completed');
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });

  it('a JSON answer read in full, then the socket destroyed: ok, charged its usage', async () => {
    const fault = await start();
    const { gateway, recording } = fault;
    const response = await openRawCall(fault, false);
    const requestId = response.headers['x-warden-request-id'] as string;
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (text: string) => (body += text));
    await new Promise<void>((resolve) => response.once('end', () => resolve()));
    response.socket?.destroy();
    expect((JSON.parse(body) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(12);

    const [settle] = await settleRowsOf(gateway.store, requestId);
    expect(settle).toMatchObject({ type: 'reservation-commit', status: 'ok', usage: expect.objectContaining({ outputTokens: 12 }) });
    await expectNoLeakedReservations(recording);
    await expectServesNext(fault);
  });
});
