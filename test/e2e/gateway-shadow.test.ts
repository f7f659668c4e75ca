import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { nanoToUsdText } from '../../src/core/money.js';
import { adminKey, createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

type ApiError = InstanceType<typeof OpenAI.APIError>;

/** Asks for exactly the minimum useful output, so a would-be clamp cannot shrink it: over the limit is a would-refuse. */
const minimumCall = (openai: OpenAI, model = 'gpt-4o-mini') => openai.chat.completions.create({ model, messages: hello, max_tokens: 64 });

/** One call's cost and reservation, measured on a key without limits. */
async function probe(model = 'gpt-4o-mini'): Promise<{ cost: number; reserved: number }> {
  const probing = await createGatewayHarness();
  probing.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
  const { openai, keyId } = await probing.client();
  await minimumCall(openai, model);
  const commit = (await probing.rows('reservation-commit')).find((row) => row.keyId === keyId);
  await probing.close();
  return { cost: commit?.costInNanoUsd ?? 0, reserved: commit?.reservedInNanoUsd ?? 0 };
}

async function metricsText(target: GatewayHarness): Promise<string> {
  const response = await fetch(`${target.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } });
  return response.text();
}

describe('gateway shadow mode', () => {
  it('lets every call past a shadow budget through, still counts its spend, and records each would-refuse once', async () => {
    const { cost, reserved } = await probe();
    expect(cost).toBe(13_500);
    // Before call i (0-based) the line holds i × cost committed and nothing reserved; enforcement
    // would refuse when i × cost + reserved > limit. With limit = 2 × cost + reserved that is
    // calls 3 and 4 of 5: exactly two would-refuse events.
    const limit = 2 * cost + reserved;
    harness = await createGatewayHarness({ config: { budgets: [{ scope: 'team:shadowed', window: 'day', hard: nanoToUsdText(limit), mode: 'shadow' }] } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await harness.client({ team: 'shadowed' });
    for (let index = 0; index < 5; index += 1) await minimumCall(openai);

    expect(harness.mock.requests).toHaveLength(5);
    expect(await harness.rows('call-refuse')).toEqual([]);
    const shadow = await harness.rows('shadow-decide');
    expect(shadow).toHaveLength(2);
    for (const [index, row] of shadow.entries()) {
      expect(row).toMatchObject({ team: 'shadowed', model: 'gpt-4o-mini' });
      expect(row.errorCode).toBeUndefined();
      expect(row.data).toMatchObject({
        kind: 'refuse',
        policy: 'budget',
        scope: 'team:shadowed',
        errorCode: 'budget_exceeded',
        limitInNanoUsd: limit,
        committedInNanoUsd: (3 + index) * cost,
        amountInNanoUsd: reserved,
      });
    }
    expect(await harness.state('team:shadowed')).toMatchObject({ committedInNanoUsd: 5 * cost, reservedInNanoUsd: 0 });
    const metrics = await metricsText(harness);
    expect(metrics).toContain('warden_shadow_decisions_total{kind="refuse",scope="team:shadowed"} 2');
    expect(metrics).not.toMatch(/^warden_refusals_total\{/m);
  });

  it('still refuses at an enforced budget beside a shadow one', async () => {
    const { cost, reserved } = await probe();
    harness = await createGatewayHarness({ config: { budgets: [{ scope: 'team:both', window: 'day', hard: '0.000001', mode: 'shadow' }] } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    // The key's own (enforced) budget covers exactly three calls.
    const { openai, keyId } = await harness.client({ team: 'both', budgets: [{ window: 'day', hardInNanoUsd: 2 * cost + reserved }] });
    for (let index = 0; index < 3; index += 1) await minimumCall(openai);
    const refusal = (await minimumCall(openai).catch((error: unknown) => error)) as ApiError;
    expect(refusal.status).toBe(402);
    expect(refusal.error).toMatchObject({ code: 'budget_exceeded', message: expect.stringContaining(`key:${keyId}`) });
    expect(harness.mock.requests).toHaveLength(3);
    expect((await harness.rows('call-refuse')).map((row) => row.errorCode)).toEqual(['budget_exceeded']);
    // The $0.000001 shadow budget is below one call: each of the three calls let through would have been refused by it.
    expect((await harness.rows('shadow-decide')).map((row) => row.data?.scope)).toEqual(['team:both', 'team:both', 'team:both']);
  });

  it("judges a virtual key's shadow budget (`--budget '25/day shadow'`) without refusing", async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const created = await harness.admin('POST', '/admin/keys', { name: 'trial', budgets: ['0.000001/day shadow'] });
    expect(created.status).toBe(201);
    const openai = new OpenAI({ apiKey: created.body.key, baseURL: `${harness.url}/v1` });
    await minimumCall(openai);
    await minimumCall(openai);
    expect(harness.mock.requests).toHaveLength(2);
    const keyId = created.body.record.id as string;
    expect((await harness.rows('shadow-decide')).map((row) => [row.keyId, row.data?.kind, row.data?.scope])).toEqual([
      [keyId, 'refuse', `key:${keyId}`],
      [keyId, 'refuse', `key:${keyId}`],
    ]);
  });

  it('records a would-downgrade at a shadow soft limit and keeps the model asked for', async () => {
    const { cost } = await probe('gpt-4o');
    harness = await createGatewayHarness({
      config: { downgrades: { 'gpt-4o': 'gpt-4o-mini' }, budgets: [{ scope: 'team:soft', window: 'day', soft: nanoToUsdText(Math.floor(cost / 2)), mode: 'shadow' }] },
    });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await harness.client({ team: 'soft' });
    // The first call finds nothing spent; the second and third find the soft limit passed.
    for (let index = 0; index < 3; index += 1) await minimumCall(openai, 'gpt-4o');
    expect(harness.mock.requests.map((request) => (request.body as { model: string }).model)).toEqual(['gpt-4o', 'gpt-4o', 'gpt-4o']);
    expect(await harness.rows('call-downgrade')).toEqual([]);
    const shadow = await harness.rows('shadow-decide');
    expect(shadow.map((row) => row.data)).toEqual([
      expect.objectContaining({ kind: 'downgrade', toModel: 'gpt-4o-mini', trigger: 'soft-limit', committedInNanoUsd: cost }),
      expect.objectContaining({ kind: 'downgrade', toModel: 'gpt-4o-mini', trigger: 'soft-limit', committedInNanoUsd: 2 * cost }),
    ]);
    expect(await metricsText(harness)).toContain('warden_shadow_decisions_total{kind="downgrade",scope="team:soft"} 2');
  });

  it('lets a tool call a shadow rule would deny through, and records the would-deny (not a tool-deny)', async () => {
    harness = await createGatewayHarness({
      config: { toolPolicies: [{ name: 'rollout', tools: [{ name: 'shell', mode: 'shadow', commands: { allow: ['npm test'] } }] }] },
    });
    const { openai, keyId } = await harness.client({ team: 'coders' });
    const ask = () =>
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Fix it.' }], max_tokens: 64, tools: [{ type: 'function', function: { name: 'shell', parameters: { type: 'object', properties: {} } } }] });
    harness.mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"npm test"}' } });
    await ask();
    harness.mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"rm -rf /"}' } });
    const answer = await ask();
    expect(answer.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'shell', arguments: '{"command":"rm -rf /"}' } });
    expect(await harness.rows('tool-deny')).toEqual([]);
    const shadow = await harness.rows('shadow-decide');
    expect(shadow).toHaveLength(1);
    expect(shadow[0]).toMatchObject({ keyId, team: 'coders', data: { kind: 'deny', policy: 'tool-policy', scope: 'toolPolicies[0].tools[0]', stage: 'called', tool: 'shell', action: 'refused' } });
    expect(await metricsText(harness)).toContain('warden_shadow_decisions_total{kind="deny",scope="toolPolicies[0].tools[0]"} 1');
  });

  it('judges a whole tool policy in shadow (toolChecks.mode) without refusing an offered tool', async () => {
    harness = await createGatewayHarness({ config: { toolChecks: { mode: 'shadow' }, toolPolicies: [{ tools: [{ name: 'read_file' }] }] } });
    const { openai } = await harness.client();
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 64, tools: [{ type: 'function', function: { name: 'delete_database', parameters: { type: 'object', properties: {} } } }] });
    expect(harness.mock.requests).toHaveLength(1);
    expect(await harness.rows('tool-deny')).toEqual([]);
    expect((await harness.rows('shadow-decide')).map((row) => row.data)).toEqual([expect.objectContaining({ kind: 'deny', stage: 'offered', tool: 'delete_database', action: 'refused' })]);
  });

  it('writes a request fingerprint on call rows: equal for identical requests, different otherwise', async () => {
    harness = await createGatewayHarness();
    const { openai } = await harness.client();
    await minimumCall(openai);
    await minimumCall(openai);
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Something else.' }], max_tokens: 64 });
    const fingerprints = (await harness.rows('reservation-commit')).map((row) => row.requestFingerprint);
    expect(fingerprints[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprints[1]).toBe(fingerprints[0]);
    expect(fingerprints[2]).not.toBe(fingerprints[0]);
  });
});
