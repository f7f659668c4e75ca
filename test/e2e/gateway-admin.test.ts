import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { adminKey, createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

async function get(path: string, key?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${harness.url}${path}`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, text: await response.text() };
}

describe('gateway metrics, admin API and model list', () => {
  it('/metrics needs the admin key, and shows spend and refusals after traffic', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai, key, keyId } = await harness.client({ team: 'research' });
    const broke = await harness.client({ budgets: [{ window: 'day', hardInNanoUsd: 1 }] });

    const anonymous = await get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text)).toMatchObject({ error: { code: 'unauthorized' } });
    const virtual = await get('/metrics', key);
    expect(virtual.status).toBe(403);
    expect(JSON.parse(virtual.text)).toMatchObject({ error: { code: 'forbidden' } });

    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 });
    await broke.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }).catch((error: unknown) => error);
    const metrics = await get('/metrics', adminKey);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain(`warden_spend_usd_total{model="gpt-4o-mini",provider="openai",team="research",key="${keyId}"} 0.0000135`);
    expect(metrics.text).toContain('warden_refusals_total{code="budget_exceeded"} 1');
    expect(metrics.text).toMatch(/warden_requests_total\{route="\/v1\/chat\/completions",status="402"\} 1/);
    expect(metrics.text).not.toContain(key);
  });

  it('/admin answers only the admin key', async () => {
    harness = await createGatewayHarness();
    const { key } = await harness.client();
    for (const path of ['/admin', '/admin/keys', '/admin/ledger']) {
      const virtual = await get(path, key);
      expect(virtual.status).toBe(403);
      expect(JSON.parse(virtual.text)).toMatchObject({ error: { code: 'forbidden' } });
      expect((await get(path)).status).toBe(401);
    }
    const created = await harness.admin('POST', '/admin/keys', { name: 'ci', team: 'research', budgets: ['5/day'], models: ['gpt-4o-mini'] });
    expect(created.status).toBe(201);
    expect(created.body.record).toMatchObject({ name: 'ci', team: 'research', models: ['gpt-4o-mini'], budgets: [{ window: 'day', hardInNanoUsd: 5_000_000_000 }] });
    expect(created.body.record.hash).toBeUndefined();
    const listed = await harness.admin('GET', '/admin/keys');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    const openai = new OpenAI({ apiKey: created.body.key, baseURL: `${harness.url}/v1` });
    expect((await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello })).choices).toHaveLength(1);
  });

  it('GET /v1/models lists the routable models, limited to a key’s own list', async () => {
    harness = await createGatewayHarness({ config: { tiers: { fast: ['gpt-4o-mini', 'claude-haiku-4-5'] }, fallbacks: { 'gpt-4o': ['gpt-4.1-nano'] } } });
    const open = await harness.client();
    const ids = (await open.openai.models.list()).data.map((model) => model.id);
    expect(ids.sort()).toEqual(['claude-haiku-4-5', 'fast', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini']);
    const limited = await harness.client({ models: ['gpt-4o-mini', 'fast'] });
    expect((await limited.openai.models.list()).data.map((model) => model.id)).toEqual(['gpt-4o-mini', 'fast']);
    expect((await limited.anthropic.models.list()).data.map((model) => [model.type, model.id])).toEqual([
      ['model', 'gpt-4o-mini'],
      ['model', 'fast'],
    ]);
    const stranger = new OpenAI({ apiKey: 'wk-not-a-key', baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(harness.mock.requests).toHaveLength(0);
  });
});
