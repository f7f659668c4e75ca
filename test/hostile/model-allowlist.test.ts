import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, hello, type GatewayHarness } from '../e2e/gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

type ApiError = InstanceType<typeof OpenAI.APIError>;
const tiers = { tiers: { fast: ['gpt-4o-mini'], balanced: ['gpt-4.1'] } };

describe("a key's model list holds against x-warden-tier", () => {
  it('refuses a tier header the key does not allow, before anything reaches the provider', async () => {
    harness = await createGatewayHarness({ config: tiers });
    const { openai } = await harness.client({ models: ['gpt-4o-mini'] });
    const error = (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-warden-tier': 'Balanced' } }).catch((caught: unknown) => caught)) as ApiError;
    expect(error.status).toBe(403);
    expect(error.code).toBe('model_not_allowed');
    expect(error.message).toContain('This key may not use tier "balanced" (x-warden-tier). It may call: gpt-4o-mini.');
    expect(harness.mock.requests).toEqual([]);
    expect((await harness.rows('call-refuse')).map((row) => row.errorCode)).toEqual(['model_not_allowed']);
  });

  it('lets a key that names the tier use the header, and the body alone still needs an allowed model', async () => {
    harness = await createGatewayHarness({ config: tiers });
    const { openai } = await harness.client({ models: ['fast'] });
    const answer = await openai.chat.completions.create({ model: 'gpt-4.1', messages: hello }, { headers: { 'x-warden-tier': 'fast' } }).withResponse();
    expect(answer.response.headers.get('x-warden-model')).toBe('gpt-4o-mini');
    const refused = (await openai.chat.completions.create({ model: 'gpt-4.1', messages: hello }).catch((caught: unknown) => caught)) as ApiError;
    expect(refused.code).toBe('model_not_allowed');
    expect(harness.mock.requests.map((request) => (request.body as { model: string }).model)).toEqual(['gpt-4o-mini']);
  });
});
