import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { CachedResponse } from '../../src/core/control-records.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createGatewayHarness, hello, waitFor, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

type ApiError = InstanceType<typeof OpenAI.APIError>;

const day = [{ window: 'day' as const, hardInNanoUsd: 1_000_000_000 }];

/** Reads a chat stream to its end, running `onDelta` after each text delta; returns the error that ended it, if any. */
async function readStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>, onDelta: (count: number) => Promise<void> | void): Promise<unknown> {
  let deltas = 0;
  try {
    for await (const chunk of stream) {
      if (!chunk.choices[0]?.delta.content) continue;
      deltas += 1;
      await onDelta(deltas);
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

const chat = (openai: OpenAI) => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 });
const refusalOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as ApiError);

describe('gateway kill switches', () => {
  it('ends a running stream, refuses the next call with 403 kill_switch, and lifts on DELETE', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 400, chunkIntervalInMs: 10 });
    const { openai, keyId } = await harness.client({ budgets: day });
    const target = `key:${keyId}` as const;
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 1000, stream: true });
    const error = (await readStream(stream, async (deltas) => {
      if (deltas === 3) expect((await harness.admin('POST', '/admin/kill-switches', { target, reason: 'runaway agent' })).status).toBe(201);
    })) as ApiError;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.code).toBe('kill_switch');

    const commit = await waitFor(async () => (await harness.rows('reservation-commit'))[0]);
    expect(commit).toMatchObject({ status: 'refused', errorCode: 'kill_switch', keyId });
    expect(commit.costInNanoUsd).toBeGreaterThan(0);
    expect(commit.costInNanoUsd).toBeLessThan(commit.reservedInNanoUsd ?? 0);
    await harness.mock.idle();
    expect(harness.mock.requests[0]?.outcome).toBe('aborted');
    expect(await harness.state(target)).toMatchObject({ committedInNanoUsd: commit.costInNanoUsd, reservedInNanoUsd: 0 });

    harness.mock.setBehavior({ outputTokens: 20, chunkIntervalInMs: 0 });
    const refused = await refusalOf(chat(openai));
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(refused?.code).toBe('kill_switch');
    expect(refused?.headers?.get('x-should-retry')).toBe('false');
    expect(harness.mock.requests).toHaveLength(1);

    expect(await harness.admin('DELETE', `/admin/kill-switches/${encodeURIComponent(target)}`)).toEqual({ status: 200, body: { cleared: true } });
    expect((await chat(openai)).choices).toHaveLength(1);
    expect(harness.mock.requests).toHaveLength(2);
    const types = (await harness.rows()).map((row) => row.type);
    expect(types).toEqual(expect.arrayContaining(['kill-switch-set', 'kill-switch-clear']));
  });

  it('ends a running Anthropic stream with an error event the client raises', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 400, chunkIntervalInMs: 10 });
    const { anthropic, keyId } = await harness.client();
    const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 1000, messages: hello });
    let deltas = 0;
    stream.on('text', () => {
      deltas += 1;
      if (deltas === 3) void harness.admin('POST', '/admin/kill-switches', { target: `key:${keyId}` });
    });
    const error = (await stream.finalMessage().catch((caught: unknown) => caught)) as ApiError;
    expect(error?.error).toMatchObject({ type: 'error', error: { code: 'kill_switch' } });
    const commit = await waitFor(async () => (await harness.rows('reservation-commit'))[0]);
    expect(commit).toMatchObject({ status: 'refused', errorCode: 'kill_switch' });
    expect(commit.costInNanoUsd).toBeGreaterThan(0);
  });

  it('stops a call that is waiting to retry, before it is sent again', async () => {
    harness = await createGatewayHarness({ config: { retry: { maxRetries: 2, maxRetryAfterInMs: 5000 } } });
    harness.mock.failNext(1, { type: 'rate-limit', retryAfterInMs: 500 });
    const { openai, keyId } = await harness.client({ budgets: day });
    const pending = refusalOf(chat(openai));
    await waitFor(() => harness.mock.requests.length === 1);
    await harness.admin('POST', '/admin/kill-switches', { target: `key:${keyId}` });
    const error = await pending;
    expect(error?.status).toBe(403);
    expect(error?.code).toBe('kill_switch');
    expect(harness.mock.requests).toHaveLength(1);
    expect(await harness.state(`key:${keyId}`)).toMatchObject({ committedInNanoUsd: 0, reservedInNanoUsd: 0 });
  });

  it('a global kill switch stops every key on every route until lifted', async () => {
    harness = await createGatewayHarness();
    const first = await harness.client();
    const second = await harness.client({ team: 'other' });
    expect((await harness.admin('POST', '/admin/kill-switches', { target: 'global', reason: 'incident' })).status).toBe(201);
    expect((await refusalOf(chat(first.openai)))?.code).toBe('kill_switch');
    const anthropicRefusal = (await refusalOf(second.anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: hello }))) as ApiError;
    expect(anthropicRefusal.status).toBe(403);
    expect(anthropicRefusal.error).toMatchObject({ type: 'error', error: { type: 'permission_error', code: 'kill_switch' } });
    expect(harness.mock.requests).toHaveLength(0);
    await harness.admin('DELETE', '/admin/kill-switches/global');
    expect((await chat(second.openai)).choices).toHaveLength(1);
  });

  it('obeys a switch set in the store by another replica or the CLI, within the refresh interval, even mid-stream', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 400, chunkIntervalInMs: 10 });
    const { openai, keyId } = await harness.client({ budgets: day });
    const target = `key:${keyId}` as const;
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 1000, stream: true });
    const error = (await readStream(stream, async (deltas) => {
      if (deltas === 3) await harness.store.setKillSwitch({ target, reason: 'set by the CLI', by: 'cli', atInMs: Date.now() });
    })) as ApiError;
    expect(error?.code).toBe('kill_switch');
    harness.mock.setBehavior({ outputTokens: 20, chunkIntervalInMs: 0 });
    expect((await refusalOf(chat(openai)))?.code).toBe('kill_switch');
    await waitFor(async () => (await harness.state(target))?.reservedInNanoUsd === 0);

    await harness.store.clearKillSwitch(target);
    // The gateway learns of the clear on its next refresh; poll (bounded) until calls pass again.
    await waitFor(async () => (await refusalOf(chat(openai))) === undefined);
    expect(harness.gateway.context.killSwitches.list()).toEqual([]);
  });
});

describe('gateway response cache', () => {
  /** A harness over a memory store that counts finished cache writes (they happen after the answer). */
  async function cachingHarness(): Promise<{ harness: GatewayHarness; writes: CachedResponse[] }> {
    const store = createMemoryStore();
    const writes: CachedResponse[] = [];
    const put = store.putCachedResponse.bind(store);
    store.putCachedResponse = async (entry) => {
      await put(entry);
      writes.push(entry);
    };
    return { harness: await createGatewayHarness({ store, config: { cache: { enabled: true } } }), writes };
  }

  it('answers the same request twice for the price of one: the hit costs $0 and records the saving', async () => {
    const created = await cachingHarness();
    harness = created.harness;
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await harness.client();
    const first = await chat(openai).withResponse();
    expect(first.response.headers.get('x-warden-cache')).toBe('miss');
    expect(first.response.headers.get('x-warden-cost-usd')).toBe('0.0000135');
    await waitFor(() => created.writes.length === 1);
    const second = await chat(openai).withResponse();
    expect(second.response.headers.get('x-warden-cache')).toBe('hit');
    expect(second.response.headers.get('x-warden-cost-usd')).toBe('0');
    expect(second.data).toEqual(first.data);
    expect(harness.mock.requests).toHaveLength(1);
    const [serve] = await harness.rows('cache-serve');
    expect(serve).toMatchObject({ costInNanoUsd: 0, status: 'cached', requestId: second.response.headers.get('x-warden-request-id') });
    expect(serve?.data).toMatchObject({ cache: 'hit', savedInNanoUsd: 13_500 });
    expect(await harness.rows('reservation-commit')).toHaveLength(1);
  });

  it('replays a cached stream, and keeps one team out of another team’s answers', async () => {
    const created = await cachingHarness();
    harness = created.harness;
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await harness.client({ team: 'a' });
    const streamText = async (client: OpenAI) => {
      const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50, stream: true }).withResponse();
      let text = '';
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      return { text, cache: response.headers.get('x-warden-cache'), cost: response.headers.get('x-warden-cost-usd') };
    };
    const first = await streamText(openai);
    expect(first.cache).toBe('miss');
    await waitFor(() => created.writes.length === 1);
    const second = await streamText(openai);
    expect(second).toEqual({ text: first.text, cache: 'hit', cost: '0' });
    expect(harness.mock.requests).toHaveLength(1);
    const [serve] = await harness.rows('cache-serve');
    expect(serve?.data).toMatchObject({ savedInNanoUsd: 13_500 });

    const other = await harness.client({ team: 'b' });
    expect((await streamText(other.openai)).cache).toBe('miss');
    expect(harness.mock.requests).toHaveLength(2);
  });
});
