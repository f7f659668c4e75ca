import { afterEach, describe, expect, it } from 'vitest';
import { anthropicProviderKey, createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

describe('gateway with the official @anthropic-ai/sdk client', () => {
  it('answers messages.create, charges it from its usage and sends the provider key, not the virtual one', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { anthropic, key, keyId } = await harness.client({ team: 'research' });
    const { data, response } = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: hello }).withResponse();
    expect(data.content[0]?.type).toBe('text');
    expect(data.usage.output_tokens).toBe(20);
    // claude-haiku-4-5: 10 × $1/M + 20 × $5/M = $0.00011
    expect(response.headers.get('x-warden-cost-usd')).toBe('0.00011');
    expect(response.headers.get('x-warden-model')).toBe('claude-haiku-4-5');
    const [commit] = await harness.rows('reservation-commit');
    expect(commit).toMatchObject({ status: 'ok', costInNanoUsd: 110_000, model: 'claude-haiku-4-5', provider: 'anthropic', keyId, team: 'research' });
    expect(commit?.reservedInNanoUsd).toBeGreaterThan(110_000);
    expect(commit?.data).toMatchObject({ route: '/v1/messages', upstream: 'anthropic', stream: false });
    const sent = harness.mock.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe(anthropicProviderKey);
    expect(JSON.stringify(sent?.headers)).not.toContain(key);
  });

  it('streams messages.stream() with the same text and the same charge as its JSON twin', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { anthropic } = await harness.client();
    const json = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: hello });
    const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: hello });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens).toBe(20);
    expect(text).toBe(json.content[0]?.type === 'text' ? json.content[0].text : undefined);
    const commits = await harness.rows('reservation-commit');
    expect(commits.map((row) => [row.status, row.costInNanoUsd, row.data?.stream])).toEqual([
      ['ok', 110_000, false],
      ['ok', 110_000, true],
    ]);
    expect(harness.mock.requests[1]?.body).toMatchObject({ stream: true, max_tokens: 100 });
  });

  it('streams with messages.create({ stream: true }) and charges the same', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { anthropic } = await harness.client();
    const stream = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: hello, stream: true });
    const types = new Set<string>();
    for await (const event of stream) types.add(event.type);
    expect([...types]).toEqual(expect.arrayContaining(['message_start', 'content_block_delta', 'message_delta', 'message_stop']));
    const [commit] = await harness.rows('reservation-commit');
    expect(commit).toMatchObject({ status: 'ok', costInNanoUsd: 110_000 });
  });
});
