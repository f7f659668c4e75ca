import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWarden, WardenError } from '../../src/sdk/index.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { createHarness, userMessage, type Harness } from './sdk-harness.js';

let harness: Harness;
afterEach(async () => harness?.close());

async function errorOf(promise: Promise<unknown>): Promise<WardenError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof WardenError) return error;
  throw new Error(`expected a WardenError, got ${String(error)}`);
}

describe('SDK budgets', () => {
  it('admits exactly 10 of 50 concurrent calls on the SQLite store too', async () => {
    const store = createSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'warden-sdk-')), 'warden.db') });
    harness = await createHarness({ store });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20, latencyInMs: 10 });
    const call = () => harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 50 });
    await harness.warden.task({}, call);
    const [probe] = await harness.rows('reservation-commit');
    const reserved = probe?.reservedInNanoUsd ?? 0;
    const sentBefore = harness.mock.requests.length;
    const results = await harness.warden.task({ budget: { hard: (10.5 * reserved) / 1e9, clamp: false } }, () => Promise.allSettled(Array.from({ length: 50 }, call)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(10);
    expect(harness.mock.requests.length - sentBefore).toBe(10);
  });

  it('charges nested tasks to their parents and stops a task at its call limit', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const call = () => harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 50 });
    const outcome = await harness.warden.task({ id: 'parent' }, async (parent) => {
      await call();
      const refusal = await harness.warden.task({ id: 'child', maxLlmCalls: 2 }, async (child) => {
        expect(child.parent).toBeUndefined();
        await call();
        await call();
        return errorOf(call());
      });
      return { refusal, parentSpent: await parent.spentInNanoUsd() };
    });
    expect(outcome.refusal.code).toBe('call_limit_exceeded');
    expect(outcome.refusal.message).toContain('Budget "task:child" allows 2 calls');
    // three calls at 13,500 nano each: one in the parent, two in the child
    expect(outcome.parentSpent).toBe(40_500);
    const [child] = await harness.store.snapshot(['task:child|total|all']);
    expect(child?.committedInNanoUsd).toBe(27_000);
    expect(harness.mock.requests).toHaveLength(3);
  });

  it('fires each ladder stage once per window', async () => {
    const stages: number[] = [];
    harness = await createHarness({
      config: { budgets: [{ scope: 'org:acme', window: 'day', hard: '0.0001', ladder: [{ atPercent: 25, actions: ['log'] }, { atPercent: 50, actions: ['notify'] }] }], org: 'acme' },
      hooks: { onStage: (event) => stages.push(event.stage.atPercent) },
    });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    for (let index = 0; index < 5; index += 1) {
      await harness.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 20 }).catch(() => undefined);
    }
    expect(stages).toEqual([25, 50]);
    expect((await harness.rows('budget-cross')).map((row) => row.data?.atPercent)).toEqual([25, 50]);
  });

  it('lowers a limit for one call with x-warden-max-cost-usd and rejects a bad value', async () => {
    harness = await createHarness();
    const refusal = await errorOf(harness.openai.chat.completions.create({ model: 'gpt-4o', messages: userMessage }, { headers: { 'x-warden-max-cost-usd': '0.0000001' } }));
    expect(refusal.code).toBe('budget_exceeded');
    const bad = await errorOf(harness.openai.chat.completions.create({ model: 'gpt-4o', messages: userMessage }, { headers: { 'x-warden-max-cost-usd': 'ten' } }));
    expect(bad.code).toBe('invalid_request');
    expect(bad.message).toContain('x-warden-max-cost-usd: expected a dollar amount');
    expect(harness.mock.requests).toHaveLength(0);
  });

  it('refuses bad input with a clear message and leaves nothing reserved', async () => {
    harness = await createHarness({ config: { budgets: [{ scope: 'org:default', window: 'day', hard: '1' }] } });
    const error = await errorOf(harness.openai.chat.completions.create({ messages: userMessage } as never));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('"model"');
    expect(await harness.rows('reservation-create')).toHaveLength(0);
    expect(await harness.rows('call-refuse')).toMatchObject([{ errorCode: 'invalid_request' }]);
  });

  it('rejects a bad config naming the field and the fix', () => {
    expect(() => createWarden({ store: createMemoryStore(), config: { budgets: [{ scope: 'team:research', window: 'daily', hard: '25' }] } })).toThrowError(
      /budgets\[0\]\.window: expected one of request, task, hour, day, week, month, total/,
    );
    expect(() => createWarden({ store: createMemoryStore(), config: { timeZone: 'Mars/Olympus' , budgets: [{ scope: 'team:a', window: 'day', hard: 1 }] } })).toThrowError(/Mars\/Olympus/);
  });
});
