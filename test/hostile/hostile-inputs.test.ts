import { Writable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/cli/create-logger.js';
import { adminKey } from '../e2e/gateway-harness.js';
import { createHostileHarness, expectErrorBody, head, rawRequest, type HostileHarness } from './hostile-support.js';

/**
 * Inputs no well-behaved client sends: bodies that are too big or lie about their size, JSON
 * nested 100,000 deep, bytes that are not UTF-8, headers past Node's limit or carrying CR/LF,
 * and values that would split a log line or a response header. Each must get a clean 4xx (or be
 * served as plain data), never a 5xx, a crash or a reservation left behind.
 */

const maxBodyInBytes = 512 * 1024;
let harness: HostileHarness;
let key: string;
let logText = '';

beforeAll(async () => {
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((logText += chunk.toString()), done()) });
  harness = await createHostileHarness({ config: { server: { maxBodyInBytes } }, logger: createLogger('info', sink) });
  key = (await harness.client({ team: 'hostile' })).key;
});
afterAll(async () => harness?.close());

const chatBody = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, ...extra });

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await request(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** A plain call still works and nothing is left reserved: the gateway survived what came before. */
async function expectHealthy(): Promise<void> {
  const answer = await post('/v1/chat/completions', JSON.stringify(chatBody()));
  expect(answer.status).toBe(200);
  expect(await harness.settled()).toMatchObject({ reservations: 0, reservedInNanoUsd: 0 });
}

const rawHeaders = () => ({ host: new URL(harness.url).host, authorization: `Bearer ${key}`, 'content-type': 'application/json' });

describe('oversized bodies', () => {
  it('refuses a declared content-length over server.maxBodyInBytes at once, without waiting for the body', async () => {
    const answer = await rawRequest(harness.url, [head({ target: '/v1/chat/completions', headers: { ...rawHeaders(), 'content-length': 10 * maxBodyInBytes } }), '{"model":'], { timeoutInMs: 5000 });
    expect(answer.status).toBe(413);
    expect(expectErrorBody(answer.body, 'openai').code).toBe('payload_too_large');
    await expectHealthy();
  });

  it('refuses a chunked body once it passes the limit, with no content-length to trust', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const chunks = [head({ target: '/v1/chat/completions', headers: { ...rawHeaders(), 'transfer-encoding': 'chunked' } })];
    for (let index = 0; index < 40; index += 1) chunks.push(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
    chunks.push('0\r\n\r\n');
    const answer = await rawRequest(harness.url, chunks);
    expect(answer.status).toBe(413);
    expect(expectErrorBody(answer.body, 'openai')).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('server.maxBodyInBytes') });
    expect(harness.mock.requests.some((recorded) => recorded.body === undefined)).toBe(false);
    await expectHealthy();
  });

  it('reads only the declared bytes when content-length is smaller than the body: the cut JSON is a 400, the rest is not a request', async () => {
    const body = JSON.stringify(chatBody());
    const answer = await rawRequest(harness.url, [head({ target: '/v1/chat/completions', headers: { ...rawHeaders(), 'content-length': 10 } }), body]);
    // Node's parser refuses the leftover bytes as a second request and closes the connection, which can
    // come before the gateway's own 400 for the cut JSON; either way it is a 400, never a 5xx or an upstream call.
    expect(answer.status).toBe(400);
    if (answer.body !== '') expect(expectErrorBody(answer.body, 'openai')).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('not valid JSON') });
    expect(answer.raw).not.toMatch(/HTTP\/1\.1 5\d\d/);
    expect(harness.mock.requests.some((recorded) => recorded.body === undefined)).toBe(false);
    await expectHealthy();
  });

  it('gives up on a body that never arrives when content-length is larger than what was sent', async () => {
    const before = harness.mock.requests.length;
    const answer = await rawRequest(harness.url, [head({ target: '/v1/chat/completions', headers: { ...rawHeaders(), 'content-length': 4000 } }), '{"model":"gpt-4o-mini"'], { settleInMs: 100, timeoutInMs: 400 });
    // The client hung up before sending it all; the gateway neither answered with a 5xx nor called the upstream.
    expect(answer.raw).not.toMatch(/HTTP\/1\.1 5\d\d/);
    expect(harness.mock.requests.length).toBe(before);
    await expectHealthy();
  });

  it('holds the admin API and the control panel login to their own, smaller limits', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(100 * 1024) });
    const admin = await request(`${harness.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: big });
    expect(admin.statusCode).toBe(413);
    expect(expectErrorBody(await admin.body.text(), 'openai').code).toBe('payload_too_large');
    const login = await request(`${harness.url}/ui/login`, { method: 'POST', headers: { origin: harness.url, 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${'k'.repeat(32 * 1024)}` });
    expect(login.statusCode).toBe(413);
    await login.body.text();
  });
});

describe('deep, broken and strange JSON', () => {
  const depth = 100_000;
  const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('refuses JSON nested 100,000 deep (in an unknown field, in a message, unclosed) with a 400, without calling the upstream', async () => {
    const before = harness.mock.requests.length;
    const inField = await post('/v1/chat/completions', `{"model":"gpt-4o-mini","max_tokens":8,"messages":[{"role":"user","content":"hi"}],"extra":${deep}}`);
    const inMessage = await post('/v1/chat/completions', `{"model":"gpt-4o-mini","max_tokens":8,"messages":[{"role":"user","content":${deep}}]}`);
    const inAnthropic = await post('/v1/messages', `{"model":"claude-haiku-4-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}],"metadata":${deep}}`, { 'anthropic-version': '2023-06-01' });
    const unclosed = await post('/v1/chat/completions', `{"model":"gpt-4o-mini","messages":${'['.repeat(depth)}`);
    for (const [answer, dialect] of [[inField, 'openai'], [inMessage, 'openai'], [inAnthropic, 'anthropic']] as const) {
      expect(answer.status, answer.text.slice(0, 300)).toBe(400);
      expect(expectErrorBody(answer.text, dialect)).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('more than 256 levels deep') });
    }
    expect(unclosed.status).toBe(400);
    expect(expectErrorBody(unclosed.text, 'openai')).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('not valid JSON') });
    // Before the fix the body reached JSON.stringify on the way out, whose stack overflow was taken for a
    // connection error: retried, answered 502, and the upstream's circuit opened for every other client.
    expect(harness.mock.requests.length).toBe(before);
    expect(harness.gateway.context.breaker.stateOf('openai')).toBe('closed');
    const nested = await post('/v1/chat/completions', JSON.stringify(chatBody({ extra: JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) })));
    expect(nested.status).toBe(200);
    await expectHealthy();
  });

  it('takes bytes that are not UTF-8 as replacement characters, and refuses a UTF-16 body as not JSON', async () => {
    const invalid = Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","max_tokens":8,"user":"u-'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('","messages":[{"role":"user","content":"'), Buffer.from([0xf0, 0x28, 0x8c, 0x28]), Buffer.from('"}]}')]);
    const served = await post('/v1/chat/completions', invalid);
    expect(served.status).toBe(200);
    const utf16 = await post('/v1/chat/completions', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(chatBody()), 'utf16le')]));
    expect(utf16.status).toBe(400);
    expect(expectErrorBody(utf16.text, 'openai').code).toBe('invalid_request');
    const rows = await harness.rows('reservation-commit');
    expect(rows.some((row) => row.user === 'u-\ufffd(\ufffd\ufffd\ufffd\ufffd\ufffd')).toBe(true);
    await expectHealthy();
  });

  it('refuses max_tokens, max_output_tokens and n that are not positive whole numbers, naming the field, before reserving', async () => {
    const before = harness.mock.requests.length;
    const cases: Array<[string, Record<string, unknown>, string, 'openai' | 'anthropic']> = [
      ['/v1/chat/completions', chatBody({ max_tokens: -5 }), 'max_tokens', 'openai'],
      ['/v1/chat/completions', chatBody({ max_tokens: '16' }), 'max_tokens', 'openai'],
      ['/v1/chat/completions', chatBody({ max_tokens: 1e308 }), 'max_tokens', 'openai'],
      ['/v1/chat/completions', chatBody({ max_completion_tokens: 0.5 }), 'max_completion_tokens', 'openai'],
      ['/v1/chat/completions', chatBody({ n: 1e308 }), 'n', 'openai'],
      ['/v1/chat/completions', chatBody({ n: -1 }), 'n', 'openai'],
      ['/v1/responses', { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: [16] }, 'max_output_tokens', 'openai'],
      ['/v1/messages', { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], max_tokens: 0 }, 'max_tokens', 'anthropic'],
    ];
    for (const [path, body, field, dialect] of cases) {
      const answer = await post(path, JSON.stringify(body), dialect === 'anthropic' ? { 'anthropic-version': '2023-06-01' } : {});
      expect(answer.status, `${JSON.stringify(body)} → ${answer.text}`).toBe(400);
      expect(expectErrorBody(answer.text, dialect)).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(field) });
    }
    expect(harness.mock.requests.length).toBe(before);
    // A null cap is no cap, as the providers read it.
    expect((await post('/v1/chat/completions', JSON.stringify(chatBody({ max_tokens: null, n: null })))).status).toBe(200);
    await expectHealthy();
  });
});

describe('headers', () => {
  it('answers 431 to headers past Node’s limit, and keeps serving', async () => {
    const answer = await rawRequest(harness.url, [head({ target: '/v1/chat/completions', headers: { ...rawHeaders(), 'x-warden-task': 't'.repeat(64 * 1024), 'content-length': 2 } }), '{}']);
    expect(answer.status).toBe(431);
    const many: Record<string, string> = {};
    for (let index = 0; index < 3000; index += 1) many[`x-h${index}`] = 'v';
    const manyAnswer = await rawRequest(harness.url, [head({ target: '/v1/chat/completions', headers: { ...rawHeaders(), ...many, 'content-length': 2 } }), '{}']);
    expect(manyAnswer.status).toBe(431);
    await expectHealthy();
  });

  it('refuses CR, LF and NUL inside a header value at the HTTP parser: nothing reaches the ledger or the upstream', async () => {
    const before = harness.mock.requests.length;
    const body = JSON.stringify(chatBody());
    for (const value of ['t-1\rx-warden-user: injected', 't-1\nx-warden-user: injected', 't-1\u0000x', 't-1\u0001x']) {
      const answer = await rawRequest(harness.url, [`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\nx-warden-task: ${value}\r\ncontent-length: ${body.length}\r\n\r\n${body}`]);
      expect(answer.status, JSON.stringify(value)).toBe(400);
    }
    expect(harness.mock.requests.length).toBe(before);
    const rows = await harness.rows();
    expect(rows.some((row) => row.user === 'injected' || (row.taskId ?? '').startsWith('t-1'))).toBe(false);
    await expectHealthy();
  });

  it('keeps a task id of Latin-1 bytes, and a user id or tags with newlines from the body, as one field in the ledger and one log line', async () => {
    const body = JSON.stringify(chatBody({ user: 'u-1\r\n{"level":60,"msg":"forged"}\nx-evil: 1' }));
    const answer = await rawRequest(harness.url, [
      Buffer.concat([Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\nx-warden-task: t-`), Buffer.from([0xe9, 0xff, 0x09, 0x41]), Buffer.from(`\r\nx-warden-tags: feature=a\tb, env = prod\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)]),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-evil']).toBeUndefined();
    const requestId = answer.headers['x-warden-request-id'];
    const rows = (await harness.rows()).filter((row) => row.requestId === requestId);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.taskId).toBe('t-\u00e9\u00ff\tA');
      expect(row.user).toBe('u-1\r\n{"level":60,"msg":"forged"}\nx-evil: 1');
      expect(row.tags).toEqual({ feature: 'a\tb', env: 'prod' });
    }
    const lines = logText.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((line) => JSON.parse(line).msg === 'forged')).toBe(false);
  });

  it('echoes a model name the price catalogue matched by prefix, CR/LF and non-Latin-1 included, as a safe header and leaves nothing reserved', async () => {
    for (const model of ['claude-haiku-4-5\r\nx-evil: 1', 'claude-haiku-4-5\u6a21\u578b', 'claude-haiku-4-5\u0100']) {
      for (const stream of [false, true]) {
        const answer = await post('/v1/chat/completions', JSON.stringify(chatBody({ model, stream })));
        expect(answer.status, `${JSON.stringify(model)} stream=${stream}: ${answer.text.slice(0, 200)}`).toBe(200);
        expect(answer.headers['x-evil']).toBeUndefined();
        expect(decodeURIComponent(String(answer.headers['x-warden-model']))).toBe(model);
      }
    }
    await expectHealthy();
  });
});
