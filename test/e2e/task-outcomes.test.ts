import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRecordingOutput } from '../../src/cli/cli-output.js';
import { runCli } from '../../src/cli/run-cli.js';
import { WardenError } from '../../src/core/warden-error.js';
import { buildCostReport } from '../../src/reports/build-cost-report.js';
import type { CostReport } from '../../src/reports/cost-report.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { adminKey, createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';
import { createHarness, userMessage, type Harness } from './sdk-harness.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-outcomes-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let gateway: GatewayHarness | undefined;
let sdk: Harness | undefined;
afterEach(async () => {
  await gateway?.close();
  await sdk?.close();
  gateway = undefined;
  sdk = undefined;
});

/** 10 input and 20 output tokens of gpt-4o-mini: 10 × 150,000 + 20 × 600,000 pico-USD. */
const callCostInNanoUsd = 13_500;

const withTask = (task: string, extra: Record<string, string> = {}) => ({ headers: { 'x-warden-task': task, 'x-warden-task-type': 'research', ...extra } });

describe('task outcomes through the gateway', () => {
  it('records x-warden-task-outcome and POST /admin/tasks/:id/outcome, and GET /admin/reports counts the last outcome of each task', async () => {
    gateway = await createGatewayHarness({ store: createSqliteStore({ path: join(directory, 'gateway.db'), pruneIntervalInMs: 0 }) });
    gateway.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await gateway.client({ team: 'research' });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }, withTask('t1'));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }, withTask('t1', { 'x-warden-task-outcome': 'success' }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }, withTask('t2', { 'x-warden-task-outcome': 'failure' }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 50 }, withTask('t3'));

    const finishes = await gateway.rows('task-finish');
    expect(finishes.map((row) => [row.taskId, row.data?.outcome, row.data?.by, row.taskType, row.team])).toEqual([
      ['t1', 'success', 'header', 'research', 'research'],
      ['t2', 'failure', 'header', 'research', 'research'],
    ]);

    // A person marks t2 a success after all, and t3 a failure: the last outcome of a task counts.
    expect(await gateway.admin('POST', '/admin/tasks/t2/outcome', { outcome: 'success', note: 'fixed by hand' })).toEqual({ status: 200, body: { taskId: 't2', outcome: 'success', note: 'fixed by hand' } });
    expect((await gateway.admin('POST', '/admin/tasks/t3/outcome', { outcome: 'failure' })).status).toBe(200);
    expect((await gateway.rows('task-finish')).at(-2)).toMatchObject({ taskId: 't2', data: { outcome: 'success', note: 'fixed by hand', by: 'admin' } });

    const report = await gateway.admin('GET', '/admin/reports?since=1h&by=task-type');
    expect(report.status).toBe(200);
    const [research] = (report.body as CostReport).groups;
    expect(research).toMatchObject({
      key: 'research',
      calls: 4,
      okCalls: 4,
      tasks: 3,
      tasksWithOutcome: 3,
      successfulTasks: 2,
      successRate: 2 / 3,
      spendInNanoUsd: 4 * callCostInNanoUsd,
      costPerSuccessInNanoUsd: 2 * callCostInNanoUsd,
      costPerTask: { meanInNanoUsd: Math.round((4 * callCostInNanoUsd) / 3), p50InNanoUsd: callCostInNanoUsd, p95InNanoUsd: 2 * callCostInNanoUsd, p99InNanoUsd: 2 * callCostInNanoUsd, maxInNanoUsd: 2 * callCostInNanoUsd },
    });

    // The CLI asks the same API with --url, and prints the same figures.
    const output = createRecordingOutput();
    expect(await runCli({ argv: ['--url', gateway.url, '--admin-key', adminKey, 'report', '--since', '1h', '--format', 'json'], env: {}, output, serve: async () => undefined })).toBe(0);
    expect((JSON.parse(output.stdout()) as CostReport).groups).toEqual((report.body as CostReport).groups);
  });

  it('refuses a bad outcome header before the call is sent, and one without a task', async () => {
    gateway = await createGatewayHarness();
    const { openai } = await gateway.client();
    const bad = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, withTask('t1', { 'x-warden-task-outcome': 'done' })).catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('Header x-warden-task-outcome must be "success" or "failure", got "done".');
    const orphan = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { headers: { 'x-warden-task-outcome': 'success' } }).catch((error: unknown) => error);
    expect(orphan).toBeInstanceOf(OpenAI.BadRequestError);
    expect((orphan as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('needs a task: send x-warden-task');
    expect(gateway.mock.requests).toHaveLength(0);
    expect(await gateway.rows('task-finish')).toEqual([]);
  });

  it('answers bad outcome and report requests with 400 and what to send', async () => {
    gateway = await createGatewayHarness();
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/admin/tasks/t1/outcome', { outcome: 'maybe' }, '"outcome" must be "success" or "failure", got "maybe".'],
      ['POST', '/admin/tasks/t1/outcome', { outcome: 'success', by: 'me' }, 'Unknown field "by"'],
      ['POST', '/admin/tasks/t1/outcome', { outcome: 'success', note: 7 }, '"note" must be a string of at most 500 characters.'],
      ['GET', '/admin/reports?by=region', undefined, 'Query parameter by: "region" is not something reports group by; use one of task-type, team, key, user, model, tier, tag:<name>.'],
      ['GET', '/admin/reports?since=yesterday', undefined, 'Query parameter since: "yesterday" is not a time'],
      ['GET', '/admin/reports?since=1h&until=2h', undefined, 'must be before until'],
      ['GET', '/admin/reports?team=research', undefined, 'Unknown query parameter "team" for /admin/reports; use since, until and by.'],
      ['GET', '/admin/reports?by=team&by=key', undefined, 'Query parameter "by" is given more than once'],
    ];
    for (const [method, path, body, message] of cases) {
      const answer = await gateway.admin(method, path, body);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
      expect(answer.body.error.message).toContain(message);
    }
    expect(await gateway.rows('task-finish')).toEqual([]);
  });
});

describe('task outcomes through the SDK', () => {
  it('task.finish records the outcome with the task, and a report counts it', async () => {
    sdk = await createHarness();
    sdk.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const run = (outcome: 'success' | 'failure', note?: string) =>
      sdk?.warden.task({ type: 'research', id: `task-${outcome}` }, async (task) => {
        await sdk?.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 50 });
        await task.finish({ outcome, ...(note === undefined ? {} : { note }) });
      });
    await run('success', 'shipped');
    await run('failure');
    const finishes = await sdk.rows('task-finish');
    expect(finishes.map((row) => [row.taskId, row.taskType, row.data])).toEqual([
      ['task-success', 'research', { outcome: 'success', by: 'sdk', note: 'shipped' }],
      ['task-failure', 'research', { outcome: 'failure', by: 'sdk' }],
    ]);
    const now = Date.now();
    const report = await buildCostReport({ store: sdk.store, by: { kind: 'task-type' }, sinceInMs: now - 3_600_000, untilInMs: now + 1 });
    expect(report.groups[0]).toMatchObject({ key: 'research', tasks: 2, tasksWithOutcome: 2, successfulTasks: 1, successRate: 0.5, costPerSuccessInNanoUsd: 2 * callCostInNanoUsd });

    const refused = await sdk.warden.task({}, (task) => task.finish({ outcome: 'done' as 'success' }).catch((error: unknown) => error));
    expect(refused).toBeInstanceOf(WardenError);
    expect((refused as WardenError).message).toBe('task.finish outcome must be "success" or "failure", got "done".');
  });
});
