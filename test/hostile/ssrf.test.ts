import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openaiProviderKey } from '../e2e/gateway-harness.js';
import { createHostileHarness, expectErrorBody, head, rawRequest, type HostileHarness } from './hostile-support.js';

/**
 * Clients can never choose the upstream URL (DESIGN §4; CVE-2024-6587 was exactly this). Every
 * way a request could name a host — headers, body fields, absolute request targets, model names
 * that look like URLs or paths, provider prefixes nobody configured — must end either at the
 * configured mock upstream or in a clean refusal, and a second local server, the "evil" one,
 * must never see a single connection.
 */

let harness: HostileHarness;
let key: string;
let evil: Server;
let evilUrl: string;
let evilHost: string;
const evilConnections: string[] = [];

beforeAll(async () => {
  harness = await createHostileHarness({ config: { models: { 'mystery-model': 'openai' } } });
  key = (await harness.client({ team: 'ssrf' })).key;
  // A raw TCP listener, so any protocol at all (HTTP, CONNECT, TLS) shows up as a connection.
  evil = createServer((socket: Socket) => {
    socket.once('data', (data) => evilConnections.push(data.toString('latin1').split('\r\n')[0] ?? ''));
    socket.setTimeout(200, () => socket.destroy());
    evilConnections.push('connect');
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilHost = `127.0.0.1:${(evil.address() as AddressInfo).port}`;
  evilUrl = `http://${evilHost}`;
});
afterAll(async () => {
  await harness?.close();
  await new Promise<void>((resolve) => evil?.close(() => resolve()));
});
beforeEach(() => {
  harness.mock.reset();
});

const openaiBody = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, ...extra });
const anthropicBody = (extra: Record<string, unknown> = {}) => ({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, ...extra });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await request(`${harness.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(path === '/v1/messages' ? { 'anthropic-version': '2023-06-01' } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, text: await response.body.text() };
}

/** The request was served by the configured mock, with Warden's credentials and the mock's own Host. */
function expectServedByMock(answer: { status: number; text: string }): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(200);
  const upstreamRequest = harness.mock.requests.at(-1);
  expect(upstreamRequest).toBeDefined();
  expect(upstreamRequest?.headers.host).toBe(new URL(harness.mock.url).host);
  const credential = upstreamRequest?.headers.authorization ?? upstreamRequest?.headers['x-api-key'];
  expect([`Bearer ${openaiProviderKey}`, 'sk-ant-provider-SECRET-5678']).toContain(credential);
  for (const name of ['x-forwarded-host', 'x-warden-upstream', 'forwarded', 'x-original-url', 'x-rewrite-url']) expect(upstreamRequest?.headers[name], name).toBeUndefined();
}

async function expectEvilUntouched(): Promise<void> {
  // Give a stray connection time to arrive before concluding there was none.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(evilConnections).toEqual([]);
  expect(await harness.settled()).toMatchObject({ reservations: 0, reservedInNanoUsd: 0 });
}

describe('SSRF: the client cannot choose the upstream', () => {
  it('ignores headers that name another host: x-warden-upstream, Host, X-Forwarded-*, Forwarded, X-Original-URL', async () => {
    const headerSets: Array<Record<string, string>> = [
      { 'x-warden-upstream': evilUrl },
      { 'x-warden-upstream-url': `${evilUrl}/v1`, 'x-warden-base-url': evilUrl, 'x-warden-provider': evilUrl },
      { host: evilHost },
      { 'x-forwarded-host': evilHost, 'x-forwarded-proto': 'http', 'x-forwarded-port': evilHost.split(':')[1] as string },
      { forwarded: `host=${evilHost};proto=http` },
      { 'x-original-url': `${evilUrl}/v1/chat/completions`, 'x-rewrite-url': `${evilUrl}/v1/chat/completions` },
    ];
    for (const headers of headerSets) {
      expectServedByMock(await post('/v1/chat/completions', openaiBody(), headers));
      expectServedByMock(await post('/v1/messages', anthropicBody(), headers));
    }
    await expectEvilUntouched();
  });

  it('ignores body fields that name a base URL, and passes none of them on as a destination', async () => {
    const fields = { base_url: evilUrl, api_base: `${evilUrl}/v1`, baseURL: evilUrl, url: `${evilUrl}/v1/chat/completions`, endpoint: evilUrl, upstream: evilUrl, provider: { baseUrl: evilUrl, apiKey: 'x' }, extra_headers: { host: evilHost } };
    expectServedByMock(await post('/v1/chat/completions', openaiBody(fields)));
    expectServedByMock(await post('/v1/responses', { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 8, ...fields }));
    expectServedByMock(await post('/v1/messages', anthropicBody(fields)));
    expectServedByMock(await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'hi', ...fields }));
    await expectEvilUntouched();
  });

  it('does not proxy absolute-URI or scheme-relative request targets, nor CONNECT: they are no route of Warden’s', async () => {
    const body = JSON.stringify(openaiBody());
    const headers = { host: evilHost, authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    for (const target of [`${evilUrl}/v1/chat/completions`, `//${evilHost}/v1/chat/completions`, `http://${evilHost}/admin/keys`]) {
      const answer = await rawRequest(harness.url, [head({ target, headers }), body]);
      expect(answer.status, target).toBe(404);
      expect(expectErrorBody(answer.body, 'openai').code).toBe('not_found');
    }
    const connect = await rawRequest(harness.url, [`CONNECT ${evilHost} HTTP/1.1\r\nhost: ${evilHost}\r\n\r\n`], { timeoutInMs: 2000 });
    expect(connect.status === 0 || (connect.status >= 400 && connect.status < 500)).toBe(true);
    expect(harness.mock.requests).toHaveLength(0);
    await expectEvilUntouched();
  });

  it('refuses model names that are URLs, paths or unconfigured provider prefixes cleanly, before any upstream', async () => {
    const models = [
      `${evilUrl}/v1`,
      `http://${evilHost}/gpt-4o-mini`,
      `//${evilHost}/gpt-4o-mini`,
      `${evilHost}/gpt-4o-mini`,
      'openai/../../x',
      '../../../etc/passwd',
      'azure/gpt-4o',
      'bedrock/anthropic.claude-3-haiku',
      'openrouter/openai/gpt-4o-mini',
      `evil@${evilHost}`,
      'file:///etc/passwd',
    ];
    for (const model of models) {
      for (const path of ['/v1/chat/completions', '/v1/messages'] as const) {
        const answer = await post(path, path === '/v1/messages' ? anthropicBody({ model }) : openaiBody({ model }));
        expect(answer.status, `${model} on ${path}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        const { code } = expectErrorBody(answer.text, path === '/v1/messages' ? 'anthropic' : 'openai');
        expect(['not_found', 'price_unknown', 'invalid_request']).toContain(code);
      }
    }
    expect(harness.mock.requests).toHaveLength(0);
    await expectEvilUntouched();
  });

  it('sends a model mapped in config to its configured provider, whatever the request says about hosts', async () => {
    // mystery-model maps to the openai provider but has no price: refused as price_unknown, never sent anywhere.
    const unpriced = await post('/v1/chat/completions', openaiBody({ model: 'mystery-model', base_url: evilUrl }), { 'x-forwarded-host': evilHost });
    expect(unpriced.status).toBe(400);
    expect(expectErrorBody(unpriced.text, 'openai').code).toBe('price_unknown');
    expect(harness.mock.requests).toHaveLength(0);
    await expectEvilUntouched();
  });
});
