import { afterEach, describe, expect, it } from 'vitest';
import { WardenError } from '../../src/sdk/index.js';
import { createHarness, userMessage, type Harness } from './sdk-harness.js';

let harness: Harness;
afterEach(async () => harness?.close());

async function refusalOf(promise: Promise<unknown>): Promise<WardenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected a WardenError');
}

describe('SDK with the official openai client', () => {
  it('charges a chat completion from its usage and records it', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const completion = await harness.warden.task({ type: 'extractive' }, (task) =>
      harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 50 }).then(async (result) => ({ result, spent: await task.spentInNanoUsd() })),
    );
    expect(completion.result.usage?.completion_tokens).toBe(20);
    // gpt-4o-mini: 10 × 150,000 pico + 20 × 600,000 pico = 13,500,000 pico = 13,500 nano
    expect(completion.spent).toBe(13_500);
    const [commit] = await harness.rows('reservation-commit');
    expect(commit).toMatchObject({ status: 'ok', costInNanoUsd: 13_500, model: 'gpt-4o-mini', taskType: 'extractive' });
    expect(harness.mock.requests[0]?.body).toMatchObject({ max_tokens: 50 });
  });

  it('gives a task whose budget covers exactly N calls exactly N, and refuses the next before sending', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const call = () => harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 50 });
    await harness.warden.task({}, call);
    const [probe] = await harness.rows('reservation-commit');
    const cost = probe?.costInNanoUsd ?? 0;
    const reserved = probe?.reservedInNanoUsd ?? 0;
    expect(reserved).toBeGreaterThan(cost);

    const calls = 4;
    const sentBefore = harness.mock.requests.length;
    const budget = { hard: ((calls - 1) * cost + reserved) / 1e9, clamp: false };
    const outcome = await harness.warden.task({ budget }, async (task) => {
      for (let index = 0; index < calls; index += 1) await call();
      const refusal = await refusalOf(call());
      return { refusal, spent: await task.spentInNanoUsd(), remaining: await task.remainingInNanoUsd() };
    });
    expect(harness.mock.requests.length - sentBefore).toBe(calls);
    expect(outcome.refusal.code).toBe('budget_exceeded');
    expect(outcome.refusal.message).toMatch(/^Budget "task:[^"]+" has \$0\.0000\d+ left; this gpt-4o-mini call may cost up to \$0\.\d+\. Lower max_tokens/);
    expect(outcome.spent).toBe(calls * cost);
  });

  it('admits exactly the affordable calls when 50 run concurrently against a budget for 10', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20, latencyInMs: 20 });
    const call = () => harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 50 });
    await harness.warden.task({}, call);
    const [probe] = await harness.rows('reservation-commit');
    const reserved = probe?.reservedInNanoUsd ?? 0;
    const sentBefore = harness.mock.requests.length;
    // Ten reservations fit, the eleventh does not, whatever order they settle in.
    const budget = { hard: (10 * reserved + reserved / 2) / 1e9, clamp: false };
    const results = await harness.warden.task({ budget }, () => Promise.allSettled(Array.from({ length: 50 }, call)));
    const admitted = results.filter((result) => result.status === 'fulfilled').length;
    const refused = results.filter((result) => result.status === 'rejected' && (result.reason as WardenError).code === 'budget_exceeded').length;
    expect(admitted).toBe(10);
    expect(refused).toBe(40);
    expect(harness.mock.requests.length - sentBefore).toBe(10);
  });

  it('charges a stream the same as its JSON twin and hides the usage chunk it added', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 12, outputTokens: 30 });
    const json = await harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 100 });
    const stream = await harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 100, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(harness.mock.requests[1]?.body).toMatchObject({ stream_options: { include_usage: true } });
    expect(chunks.some((chunk) => chunk.choices.length === 0)).toBe(false);
    const commits = await harness.rows('reservation-commit');
    expect(commits).toHaveLength(2);
    expect(commits[1]?.costInNanoUsd).toBe(commits[0]?.costInNanoUsd);
    expect(commits[1]?.usage).toEqual(commits[0]?.usage);
    expect(json.usage?.completion_tokens).toBe(30);
  });

  it('keeps the usage chunk when the caller asked for it', async () => {
    harness = await createHarness();
    const stream = await harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(64);
  });

  it('charges an abandoned stream for what was generated and releases the rest', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 400, chunkIntervalInMs: 5 });
    const spent = await harness.warden.task({ budget: '1' }, async (task) => {
      const stream = await harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 1000, stream: true });
      let received = 0;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received += 1;
        if (received === 5) break;
      }
      return task.spentInNanoUsd();
    });
    await harness.mock.idle();
    expect(harness.mock.requests[0]?.outcome).toBe('aborted');
    const [commit] = await harness.rows('reservation-commit');
    expect(commit?.status).toBe('client_disconnected');
    expect(commit?.costInNanoUsd).toBeGreaterThan(0);
    expect(commit?.costInNanoUsd).toBeLessThan(commit?.reservedInNanoUsd ?? 0);
    expect(spent).toBe(commit?.costInNanoUsd);
    const states = await harness.store.snapshot([`task:${commit?.taskId}|total|all`]);
    expect(states[0]?.reservedInNanoUsd).toBe(0);
  });

  it('guards the Responses API and embeddings', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 16 });
    const response = await harness.openai.responses.create({ model: 'gpt-4o-mini', input: 'Say OK.' });
    const streamed = await harness.openai.responses.create({ model: 'gpt-4o-mini', input: 'Say OK.', stream: true });
    for await (const event of streamed) expect(event.type).toBeTruthy();
    await harness.openai.embeddings.create({ model: 'text-embedding-3-small', input: 'budgets' });
    expect(response.usage?.output_tokens).toBe(16);
    expect(harness.mock.requests[0]?.body).toMatchObject({ max_output_tokens: 16_384 });
    const commits = await harness.rows('reservation-commit');
    expect(commits.map((row) => row.costInNanoUsd)).toEqual([commits[0]?.costInNanoUsd, commits[0]?.costInNanoUsd, expect.any(Number)]);
    expect(commits[2]?.costInNanoUsd).toBeGreaterThan(0);
  });

  it('refuses an unknown model with price_unknown before anything is sent', async () => {
    harness = await createHarness();
    const refusal = await refusalOf(harness.openai.chat.completions.create({ model: 'acme-frontier-9', messages: userMessage }));
    expect(refusal.code).toBe('price_unknown');
    expect(harness.mock.requests).toHaveLength(0);
    const [row] = await harness.rows('call-refuse');
    expect(row).toMatchObject({ errorCode: 'price_unknown', requestedModel: 'acme-frontier-9' });
  });

  it('retries a 429 under the policy, each attempt reserved, and stops at the money cap', async () => {
    harness = await createHarness({ config: { retry: { maxRetries: 3, initialDelayInMs: 1, maxDelayInMs: 5 } } });
    harness.mock.setBehavior({ retryAfterInMs: 1 });
    harness.mock.failNext(2, { type: 'rate-limit', retryAfterInMs: 1 });
    const result = await harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 20 });
    expect(result.choices).toHaveLength(1);
    expect(harness.mock.requests).toHaveLength(3);
    expect(await harness.rows('reservation-release')).toHaveLength(2);
    expect((await harness.rows('reservation-commit'))[0]?.retries).toBe(2);

    await harness.close();
    harness = await createHarness({ config: { retry: { maxRetries: 5, maxRetryCostUsd: '0.00001', initialDelayInMs: 1 } } });
    harness.mock.setBehavior({ retryAfterInMs: 1 });
    harness.mock.failNext(5, { type: 'rate-limit', retryAfterInMs: 1 });
    const error = await harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 20 }).catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(429);
    const retries = await harness.rows('call-retry');
    expect(retries.at(-1)?.data).toMatchObject({ stopped: 'money_cap' });
    expect(harness.mock.requests.length).toBeLessThan(6);
  });

  it('downgrades to the configured cheaper model past a soft limit and fires the stage once', async () => {
    const stages: string[] = [];
    const downgrades: string[] = [];
    harness = await createHarness({
      config: { budgets: [{ scope: 'team:research', window: 'day', soft: '0.00002', hard: '1' }], downgrades: { 'gpt-4o': 'gpt-4o-mini' } },
      hooks: { onStage: (event) => stages.push(`${event.scope}@${event.stage.atPercent}`), onDowngrade: (event) => downgrades.push(`${event.fromModel}→${event.toModel}`) },
    });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    await harness.warden.attribute({ team: 'research' }, async () => {
      for (let index = 0; index < 3; index += 1) await harness.openai.chat.completions.create({ model: 'gpt-4o', messages: userMessage, max_tokens: 30 });
    });
    expect(harness.mock.requests.map((request) => (request.body as { model: string }).model)).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini']);
    expect(downgrades).toEqual(['gpt-4o→gpt-4o-mini', 'gpt-4o→gpt-4o-mini']);
    expect(stages).toEqual(['team:research@100']);
  });

  it('attributes calls to users and tags from context and headers', async () => {
    harness = await createHarness({ config: { budgets: [{ scope: 'user:*', window: 'month', hard: '1' }] } });
    await harness.warden.attribute({ user: 'ada', tags: { feature: 'search' } }, () =>
      harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage }, { headers: { 'x-warden-tags': 'tier=free' } }),
    );
    const [commit] = await harness.rows('reservation-commit');
    expect(commit).toMatchObject({ user: 'ada', tags: { feature: 'search', tier: 'free' } });
    const [state] = await harness.store.snapshot(['user:ada|month|' + new Date().toISOString().slice(0, 7)]);
    expect(state?.committedInNanoUsd).toBe(commit?.costInNanoUsd);
  });
});
