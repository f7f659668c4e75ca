import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/cli/serve.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { testPostgresUrl } from '../support/postgres-test-server.js';
import { dropRedisNamespace, testRedisUrl, uniqueRedisNamespace } from '../support/redis-test-server.js';

type ApiError = InstanceType<typeof OpenAI.APIError>;
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const adminKey = 'guardrails-admin-key-0123456789';
const namespace = uniqueRedisNamespace('guardrails');
const postgres = new pg.Pool({ connectionString: testPostgresUrl, max: 1 });
let directory: string;
let mock: MockUpstream;
let gateways: RunningGateway[] = [];
let started = 0;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'warden-guardrails-'));
  mock = await createMockUpstream({ promptCaching: false });
});
afterEach(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop(0)));
  gateways = [];
});
afterAll(async () => {
  await mock.close();
  await dropRedisNamespace(namespace);
  await postgres.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
  await postgres.end();
  rmSync(directory, { recursive: true, force: true });
});

/** Two gateways (in this process) on one Redis namespace and one PostgreSQL schema, with `config` added, and a client of each for one key. */
async function twoReplicas(config: Record<string, unknown>): Promise<{ a: OpenAI; b: OpenAI; admin(gateway: RunningGateway, method: string, path: string): Promise<{ status: number; body: any }> }> {
  for (const index of [0, 1]) {
    started += 1;
    const configPath = join(directory, `replica-${started}.yaml`);
    writeFileSync(
      configPath,
      JSON.stringify({
        server: { sqlitePath: join(directory, `replica-${started}.db`) },
        admin: { key: adminKey, secret: 'guardrails-secret-0123456789abcdef' },
        providers: { openai: { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: 'sk-guardrails' } },
        storage: { budgets: testRedisUrl, ledger: testPostgresUrl, namespace, spoolDirectory: join(directory, `spool-${started}`), replicas: 2 },
        logging: { level: 'silent', requests: false },
        ...config,
      }),
    );
    gateways.push(await startGateway({ configPath, port: 0, host: '127.0.0.1', quiet: true, env: {} }));
  }
  const [first, second] = gateways as [RunningGateway, RunningGateway];
  const admin = async (gateway: RunningGateway, method: string, path: string) => {
    const answer = await fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
    return { status: answer.status, body: await answer.json() };
  };
  const created = await fetch(`${first.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'agent', team: 'agents' }) });
  const { key } = (await created.json()) as { key: string };
  return { a: new OpenAI({ apiKey: key, baseURL: `${first.url}/v1`, maxRetries: 0 }), b: new OpenAI({ apiKey: key, baseURL: `${second.url}/v1`, maxRetries: 0 }), admin };
}

interface Outcome {
  status: number | undefined;
  code?: string | null;
  approvalId?: string;
}
const outcomeOf = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    () => ({ status: 200 }),
    (error: ApiError) => ({ status: error.status, code: error.code, ...(/apr_[0-9a-f]+/.exec(error.message) ? { approvalId: /apr_[0-9a-f]+/.exec(error.message)?.[0] as string } : {}) }),
  );

describe('replicas sharing the agent guardrails in Redis', () => {
  it('hold an approval asked on one replica for every replica: approved through the other, spent once by the retry wherever it lands', async () => {
    const { a, b, admin } = await twoReplicas({
      toolPolicies: [{ appliesTo: {}, tools: [{ name: 'shell', commands: { allow: [{ pattern: 'git push ...', requireApproval: true }] } }] }],
      toolChecks: { approvalTimeoutInSeconds: 600 },
    });
    const [first, second] = gateways as [RunningGateway, RunningGateway];
    const push = (client: OpenAI, task: string) =>
      outcomeOf(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Ship it.' }], max_tokens: 64 }, { headers: { 'x-warden-task': task } }));

    mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"git push origin main"}' } });
    const held = await push(a, 'release-1');
    expect(held).toMatchObject({ status: 423, code: 'approval_pending' });
    // The retry on the other replica finds the same open approval instead of asking again.
    expect(await push(b, 'release-1')).toMatchObject({ status: 423, approvalId: held.approvalId });
    const listed = await admin(second, 'GET', '/admin/approvals');
    expect(listed.body.approvals).toEqual([expect.objectContaining({ id: held.approvalId, status: 'pending', taskId: 'release-1' })]);
    expect(await admin(second, 'POST', `/admin/approvals/${held.approvalId}/approve`)).toMatchObject({ status: 200, body: { approval: { status: 'approved' } } });
    expect(await push(b, 'release-1')).toEqual({ status: 200 });
    // Spent: the next try, on either replica, needs a new approval.
    const again = await push(a, 'release-1');
    expect(again).toMatchObject({ status: 423, code: 'approval_pending' });
    expect(again.approvalId).not.toBe(held.approvalId);

    // The other way round: approved through the first replica, and the retry lands on the first.
    mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"git push origin v2"}' } });
    const other = await push(b, 'release-2');
    expect(await admin(first, 'POST', `/admin/approvals/${other.approvalId}/approve`)).toMatchObject({ status: 200 });
    expect(await push(a, 'release-2')).toEqual({ status: 200 });

    // Two operators deciding at once on different replicas: one decision stands, the other is told.
    const contested = await push(a, 'release-3');
    const decisions = await Promise.all([admin(first, 'POST', `/admin/approvals/${contested.approvalId}/approve`), admin(second, 'POST', `/admin/approvals/${contested.approvalId}/deny`)]);
    expect(decisions.map((decision) => decision.status).sort()).toEqual([200, 400]);
    const stood = decisions.find((decision) => decision.status === 200)?.body.approval.status as string;
    expect(await push(b, 'release-3')).toMatchObject(stood === 'approved' ? { status: 200 } : { status: 403, code: 'tool_not_allowed' });

    // Every request and decision is one ledger row, whichever replica made it.
    await Promise.all(gateways.map((gateway) => gateway.gateway.context.store.flush()));
    const { rows } = await postgres.query<{ type: string; count: string }>(`SELECT type, count(*) AS count FROM "${namespace}".ledger WHERE type IN ('approval-request', 'approval-decide') GROUP BY type ORDER BY type`);
    expect(rows).toEqual([
      { type: 'approval-decide', count: '3' },
      { type: 'approval-request', count: '4' },
    ]);
  });

  it('stop a task that repeats the same tool call with its calls alternating between replicas, at the configured count', async () => {
    const { a, b } = await twoReplicas({ loopDetection: { window: 10, repeatThreshold: 3, noProgressThreshold: 5, action: 'refuse' } });
    mock.setBehavior({ toolCall: { name: 'run_tests', argumentsJson: '{"command":"npm test"}' } });
    const sentBefore = mock.requests.length;
    const messages: Message[] = [{ role: 'user', content: 'Make the failing test pass.' }];
    let refusal: ApiError | undefined;
    let completed = 0;
    for (let turn = 0; turn < 8 && refusal === undefined; turn += 1) {
      const client = turn % 2 === 0 ? a : b;
      try {
        const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 64 }, { headers: { 'x-warden-task': 'spread-loop' } });
        const call = answer.choices[0]?.message.tool_calls?.[0];
        if (call?.type !== 'function') throw new Error('the mock was set to call a tool');
        messages.push({ role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: '1 failing: expected 2, got 3' });
        completed += 1;
      } catch (error) {
        if (!(error instanceof OpenAI.APIError)) throw error;
        refusal = error;
      }
    }
    expect(refusal?.status).toBe(422);
    expect(refusal?.code).toBe('loop_detected');
    expect(completed).toBe(3);
    expect(mock.requests.length - sentBefore).toBe(3);
    await Promise.all(gateways.map((gateway) => gateway.gateway.context.store.flush()));
    const { rows } = await postgres.query<{ task_id: string }>(`SELECT task_id FROM "${namespace}".ledger WHERE type = 'loop-detect'`);
    expect(rows).toEqual([{ task_id: 'spread-loop' }]);
  });

  it("count a task's tool calls across replicas against its type's maxToolCalls", async () => {
    const { a, b } = await twoReplicas({ taskTypes: { coding: { maxToolCalls: 2 } } });
    mock.setBehavior({ toolCall: { name: 'run', argumentsJson: '{}' } });
    const call = (client: OpenAI) =>
      outcomeOf(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Next step.' }], max_tokens: 64 }, { headers: { 'x-warden-task': 'counted', 'x-warden-task-type': 'coding' } }));
    expect([await call(a), await call(b), await call(a), await call(b)]).toEqual([
      { status: 200 },
      { status: 200 },
      { status: 402, code: 'call_limit_exceeded' },
      { status: 402, code: 'call_limit_exceeded' },
    ]);
  });
});
