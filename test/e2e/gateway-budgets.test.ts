import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, hello, waitFor, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

type ApiError = InstanceType<typeof OpenAI.APIError>;

/** A chat call asking for exactly the minimum useful output, so a clamped budget cannot shrink it further. */
const minimumCall = (openai: OpenAI) => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 64 });

/** One call's cost, reservation and input-token bound, measured on a key without limits. */
async function probe(target: GatewayHarness): Promise<{ cost: number; reserved: number; inputTokensBound: number }> {
  const { openai, keyId } = await target.client();
  await minimumCall(openai);
  const create = (await target.rows('reservation-create')).find((row) => row.keyId === keyId);
  const commit = (await target.rows('reservation-commit')).find((row) => row.keyId === keyId);
  return { cost: commit?.costInNanoUsd ?? 0, reserved: commit?.reservedInNanoUsd ?? 0, inputTokensBound: create?.data?.inputTokensBound as number };
}

describe('gateway budgets', () => {
  it("gives a key whose daily budget covers exactly N calls exactly N, then 402 before anything is sent", async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { cost, reserved } = await probe(harness);
    expect(cost).toBe(13_500);
    expect(reserved).toBeGreaterThan(cost);

    // Key budgets clamp, but max_tokens is already the 64-token minimum: the (N+1)th call, with
    // reserved − cost left, cannot be clamped into the budget and must be refused.
    const calls = 5;
    const limit = (calls - 1) * cost + reserved;
    const { openai, keyId } = await harness.client({ budgets: [{ window: 'day', hardInNanoUsd: limit }] });
    const sentBefore = harness.mock.requests.length;
    const receivedBefore = harness.received.length;
    for (let index = 0; index < calls; index += 1) {
      const { response } = await minimumCall(openai).withResponse();
      expect(response.headers.get('x-warden-cost-usd')).toBe('0.0000135');
    }
    const refusal = (await minimumCall(openai).catch((error: unknown) => error)) as ApiError;
    expect(refusal).toBeInstanceOf(OpenAI.APIError);
    expect(refusal.status).toBe(402);
    expect(refusal.code).toBe('budget_exceeded');
    expect(refusal.type).toBe('insufficient_quota');
    expect(refusal.error).toMatchObject({ message: expect.stringContaining(`key:${keyId}`), type: 'insufficient_quota', param: null, code: 'budget_exceeded' });
    expect(refusal.headers?.get('x-should-retry')).toBe('false');
    expect(harness.mock.requests.length - sentBefore).toBe(calls);
    expect(harness.received.length - receivedBefore).toBe(calls + 1);
    const state = await harness.state(`key:${keyId}`);
    expect(state).toMatchObject({ committedInNanoUsd: calls * cost, reservedInNanoUsd: 0 });
    const refusals = (await harness.rows('call-refuse')).filter((row) => row.keyId === keyId);
    expect(refusals.map((row) => row.errorCode)).toEqual(['budget_exceeded']);
  });

  it('clamps max_tokens to what a key budget can still afford', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { reserved } = await probe(harness);
    // Room for about twice the 64-token reservation: a 1,000-token request is clamped, not refused.
    const { openai, keyId } = await harness.client({ budgets: [{ window: 'day', hardInNanoUsd: 2 * reserved }] });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 1000 });
    const sent = harness.mock.requests.at(-1)?.body as { max_tokens: number };
    expect(sent.max_tokens).toBeGreaterThanOrEqual(64);
    expect(sent.max_tokens).toBeLessThan(1000);
    const create = (await harness.rows('reservation-create')).find((row) => row.keyId === keyId);
    expect(create?.data).toMatchObject({ clamped: true, maxTokens: sent.max_tokens });
    expect(create?.reservedInNanoUsd).toBeLessThanOrEqual(2 * reserved);
  });

  it('admits exactly 37 of 200 concurrent requests against a team budget for 37, and leaks no reservation', async () => {
    const probing = await createGatewayHarness();
    const { inputTokensBound } = await probe(probing);
    // The mock reports exactly the input bound and fills max_tokens, so each call costs exactly its
    // reservation: 37 fit in any order of reserve and commit, a 38th never does.
    probing.mock.setBehavior({ inputTokens: inputTokensBound, outputTokens: 1000 });
    const { cost, reserved } = await probe(probing);
    await probing.close();
    expect(cost).toBe(reserved);

    const admitted = 37;
    const limit = admitted * reserved;
    harness = await createGatewayHarness({ config: { budgets: [{ scope: 'team:t', window: 'day', hard: (limit / 1e9).toFixed(9), clamp: false }] } });
    harness.mock.setBehavior({ inputTokens: inputTokensBound, outputTokens: 1000, latencyInMs: 20 });
    const { openai } = await harness.client({ team: 't' });
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => minimumCall(openai)));

    const succeeded = results.filter((result) => result.status === 'fulfilled');
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as ApiError] : []));
    expect(succeeded).toHaveLength(admitted);
    expect(refused).toHaveLength(200 - admitted);
    expect(refused.every((error) => error.status === 402 && error.code === 'budget_exceeded')).toBe(true);
    expect(harness.mock.requests).toHaveLength(admitted);
    expect(harness.received).toHaveLength(200);

    await harness.mock.idle();
    const state = await waitFor(async () => {
      const current = await harness.state('team:t');
      return current?.reservedInNanoUsd === 0 ? current : undefined;
    });
    expect(state.committedInNanoUsd).toBeLessThanOrEqual(limit);
    expect(state.committedInNanoUsd).toBe(admitted * cost);
    const commits = await harness.rows('reservation-commit');
    expect(commits).toHaveLength(admitted);
    expect(commits.reduce((sum, row) => sum + (row.costInNanoUsd ?? 0), 0)).toBe(state.committedInNanoUsd);
    expect(await harness.rows('call-refuse')).toHaveLength(200 - admitted);
  });

  it('charges a stream the client aborts for what was generated, and returns the rest of the reservation', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 400, chunkIntervalInMs: 10 });
    const { openai, keyId } = await harness.client({ budgets: [{ window: 'day', hardInNanoUsd: 1_000_000_000 }] });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 1000, stream: true }, { signal: controller.signal });
    let deltas = 0;
    // The openai client ends the iteration quietly when its own signal aborts.
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas += 1;
      if (deltas === 5) controller.abort();
    }
    expect(deltas).toBe(5);

    const commit = await waitFor(async () => (await harness.rows('reservation-commit'))[0]);
    await harness.mock.idle();
    const upstream = harness.mock.requests[0];
    expect(upstream?.outcome).toBe('aborted');
    expect(upstream?.outputTokensSent).toBeGreaterThanOrEqual(5);
    expect(upstream?.outputTokensSent).toBeLessThan(400);
    expect(commit).toMatchObject({ status: 'client_disconnected', keyId });
    expect(commit.costInNanoUsd).toBeGreaterThan(0);
    expect(commit.costInNanoUsd).toBeLessThan(commit.reservedInNanoUsd ?? 0);
    expect(await harness.state(`key:${keyId}`)).toMatchObject({ committedInNanoUsd: commit.costInNanoUsd, reservedInNanoUsd: 0 });
  });
});
