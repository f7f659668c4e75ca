import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../src/cli/create-logger.js';
import { createRecordingOutput } from '../../src/cli/cli-output.js';
import { runCli } from '../../src/cli/run-cli.js';
import { createMockUpstream } from '../../src/providers/simulated/index.js';
import { adminKey, anthropicProviderKey, createGatewayHarness, hello, openaiProviderKey, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

function cli(argv: string[]) {
  const output = createRecordingOutput();
  const serve = async () => undefined;
  return runCli({ argv: ['--url', harness.url, ...argv], env: { WARDEN_ADMIN_KEY: adminKey }, output, serve }).then((code) => ({ code, stdout: output.stdout(), stderr: output.stderr() }));
}

describe('gateway operations', () => {
  it('opens the circuit of a failing upstream and sends the next calls straight to the fallback', async () => {
    harness = await createGatewayHarness({
      config: { retry: { maxRetries: 0 }, circuitBreaker: { failureThreshold: 2, cooldownInMs: 600_000 }, fallbacks: { 'gpt-4o-mini': ['claude-haiku-4-5'] } },
    });
    const { openai } = await harness.client();
    harness.mock.setScript([{ type: 'server-error' }, null, { type: 'server-error' }, null]);
    for (let call = 0; call < 3; call += 1) {
      const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 20 }).withResponse();
      expect(response.headers.get('x-warden-model')).toBe('claude-haiku-4-5');
    }
    // Calls 1 and 2 tried gpt-4o-mini (and failed); call 3 skipped it: the circuit was open.
    expect(harness.mock.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/messages', '/v1/chat/completions', '/v1/messages', '/v1/messages']);
    const upstreams = await harness.admin('GET', '/admin/upstreams');
    expect(upstreams.body.upstreams).toContainEqual({ name: 'openai', type: 'openai', circuit: 'open' });
  });

  it('creates keys, kills and lifts a team through the warden CLI against the running gateway', async () => {
    harness = await createGatewayHarness();
    const created = await cli(['keys', 'create', '--team', 'research', '--budget', '25/day', '--models', 'gpt-4o-mini', '--json']);
    expect(created.code).toBe(0);
    const { key, record } = JSON.parse(created.stdout) as { key: string; record: { id: string; team: string; budgets: unknown[] } };
    expect(record).toMatchObject({ team: 'research', budgets: [{ window: 'day', hardInNanoUsd: 25_000_000_000 }] });
    const call = () => fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: hello }) });
    expect((await call()).status).toBe(200);

    expect((await cli(['kill', 'team:research', '--reason', 'runaway agent'])).code).toBe(0);
    const refused = await call();
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'kill_switch', message: expect.stringContaining('runaway agent') });
    expect((await cli(['kills'])).stdout).toContain('team:research');
    expect((await cli(['unkill', 'team:research'])).code).toBe(0);
    expect((await call()).status).toBe(200);

    expect((await cli(['keys', 'revoke', record.id])).code).toBe(0);
    expect((await call()).status).toBe(401);
    const sets = await harness.rows('kill-switch-set');
    expect(sets[0]?.data).toMatchObject({ target: 'team:research', reason: 'runaway agent' });
  });

  it('never writes a provider key, virtual key or the admin key to its logs, errors, metrics or ledger', async () => {
    let logText = '';
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((logText += chunk.toString()), done()) });
    harness = await createGatewayHarness({ logger: createLogger('info', sink), config: { fallbacks: { 'gpt-4o-mini': ['claude-haiku-4-5'] }, retry: { maxRetries: 0 } } });
    const { openai, anthropic, key } = await harness.client({ team: 'research' });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 20, messages: hello });
    harness.mock.setScript([{ type: 'server-error' }, { type: 'server-error' }]);
    const failed = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: hello }) });
    const errorText = await failed.text();
    const badKey = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${openaiProviderKey}`, 'content-type': 'application/json' }, body: '{"model":"gpt-4o-mini","messages":[]}' });
    const badKeyText = await badKey.text();
    const metrics = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } }).then((response) => response.text());
    const ledger = JSON.stringify(await harness.rows());
    const everything = [logText, errorText, badKeyText, metrics, ledger].join('\n');
    expect(logText).toContain('"msg":"request"');
    expect(ledger.length).toBeGreaterThan(100);
    for (const secret of [openaiProviderKey, anthropicProviderKey, key, adminKey, 'SECRET']) expect(everything).not.toContain(secret);
  });

  it('does not relay a provider\'s credential error, which echoes part of the provider key', async () => {
    const strictMock = await createMockUpstream({ apiKeys: ['some-other-key'] });
    onTestFinished(() => strictMock.close());
    harness = await createGatewayHarness({ mock: strictMock });
    const { openai } = await harness.client();
    const error = (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((caught: unknown) => caught)) as { status: number; message: string; code: string };
    expect(harness.mock.requests[0]?.outcome).toBeDefined();
    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain("openai rejected Warden's credentials (HTTP 401)");
    expect(JSON.stringify(error)).not.toContain(openaiProviderKey.slice(0, 8));
  });
});
