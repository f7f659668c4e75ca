import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { KeyBudget } from '../../src/core/control-records.js';
import type { WardenConfigInput } from '../../src/core/parse-config.js';
import type { GatewayHarness } from '../e2e/gateway-harness.js';
import { viewerKeys } from './panel-harness.js';

/** A config that gives every view something to show: tiers, fallbacks, cache, budgets with ladders, a shadow budget, loops, a tool policy with approvals. */
export const fleetConfig: WardenConfigInput = {
  admin: { viewerKeys },
  tiers: { fast: ['gpt-4o-mini'], premium: ['gpt-4o'] },
  routing: { defaultTier: 'fast', rules: [{ when: { taskType: 'generate' }, tier: 'premium' }] },
  fallbacks: { 'gpt-4o': ['gpt-4o-mini'] },
  downgrades: { 'gpt-4o': 'gpt-4o-mini' },
  cache: { enabled: true },
  retry: { maxRetries: 1, initialDelayInMs: 1, maxDelayInMs: 5 },
  budgets: [
    { scope: 'org:*', window: 'day', hard: '2' },
    { scope: 'org:*', window: 'month', hard: '40' },
    { scope: 'team:*', window: 'day', hard: '0.5', soft: '0.3', ladder: [{ atPercent: 50, actions: ['log'] }, { atPercent: 80, actions: ['notify', 'downgrade'] }] },
    { scope: 'team:support', window: 'hour', hard: '0.004' },
    { scope: 'user:*', window: 'day', hard: '0.0008', mode: 'shadow' },
  ],
  taskTypes: { explore: { budget: { hard: '0.05' } }, extract: { maxLlmCalls: 30 }, generate: {} },
  loopDetection: { window: 10, repeatThreshold: 3, noProgressThreshold: 8, action: 'refuse' },
  toolPolicies: [{ appliesTo: {}, tools: [{ name: 'run_tests' }, { name: 'shell', commands: { allow: ['git status', { pattern: 'git push ...', requireApproval: true }] } }] }],
  toolChecks: { approvalTimeoutInSeconds: 3600 },
};

type Client = Awaited<ReturnType<GatewayHarness['client']>>;
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export interface Fleet {
  clients: Record<'research' | 'support' | 'platform', Client>;
  /** Tasks and teams the background traffic uses. */
  step(round: number): Promise<void>;
}

const quietly = <T>(promise: Promise<T>): Promise<T | undefined> =>
  promise.catch((error: unknown) => {
    if (error instanceof OpenAI.APIError) return undefined;
    throw error;
  });

/** One call of a task; refusals are part of the picture and are swallowed. */
function ask(client: Client, options: { task: string; type: string; user: string; model?: string; text: string; maxTokens?: number; stream?: boolean }): Promise<unknown> {
  const headers = { 'x-warden-task': options.task, 'x-warden-task-type': options.type, 'x-warden-user': options.user };
  const body = { model: options.model ?? 'auto', messages: [{ role: 'user' as const, content: options.text }], max_tokens: options.maxTokens ?? 48 };
  if (options.stream) {
    return quietly(
      (async () => {
        const stream = await client.openai.chat.completions.create({ ...body, stream: true }, { headers });
        for await (const chunk of stream) void chunk;
      })(),
    );
  }
  return quietly(client.openai.chat.completions.create(body, { headers }));
}

/**
 * Sets up three teams' keys and plays the events the views show: routed and cached calls, a
 * budget refusal, upstream errors with a fallback, a task that loops, a tool denied, and an agent
 * held for approval (left pending).
 */
export async function simulateFleet(harness: GatewayHarness): Promise<Fleet> {
  const client = async (options: { name: string; team: string; budgets?: KeyBudget[] }): Promise<Client> => {
    const created = await harness.gateway.context.keys.create({ budgets: [], ...options });
    return { key: created.plaintext, keyId: created.record.id, openai: new OpenAI({ apiKey: created.plaintext, baseURL: `${harness.url}/v1` }), anthropic: new Anthropic({ apiKey: created.plaintext, baseURL: harness.url }) };
  };
  const clients = {
    research: await client({ name: 'research-agents', team: 'research' }),
    support: await client({ name: 'support-bot', team: 'support', budgets: [{ window: 'day', hardInNanoUsd: 200_000_000 }] }),
    platform: await client({ name: 'platform-ci', team: 'platform' }),
  };
  harness.mock.setBehavior({ latencyInMs: 30, chunkIntervalInMs: 5 });

  const step = async (round: number): Promise<void> => {
    await Promise.all([
      ask(clients.research, { task: `survey-${round % 4}`, type: 'explore', user: ['alice', 'bob'][round % 2] as string, text: `Survey source ${round}.`, maxTokens: 40 + (round % 5) * 20 }),
      ask(clients.research, { task: `report-${round % 2}`, type: 'generate', user: 'alice', text: `Draft section ${round}.`, maxTokens: 60, stream: true }),
      ask(clients.support, { task: `ticket-${round % 6}`, type: 'extract', user: ['carol', 'dave', 'erin'][round % 3] as string, text: `Classify ticket ${round}.`, maxTokens: 24 }),
      ask(clients.platform, { task: `migrate-${round % 3}`, type: 'extract', user: 'frank', model: 'gpt-4o-mini', text: 'Same question every time.', maxTokens: 16 }),
    ]);
  };
  for (let round = 0; round < 16; round += 1) await step(round);

  // Upstream trouble: two 500s on the premium model, retried, then a fallback.
  harness.mock.failNext(3, { type: 'server-error' });
  await ask(clients.research, { task: 'report-0', type: 'generate', user: 'alice', model: 'gpt-4o', text: 'Summarise the findings.' });

  // An agent that runs the same failing test again and again: loop detected.
  harness.mock.setBehavior({ toolCall: { name: 'run_tests', argumentsJson: '{"command":"npm test"}' } });
  const messages: Message[] = [{ role: 'user', content: 'Make the failing test pass.' }];
  for (let turn = 0; turn < 5; turn += 1) {
    const answer = await quietly(clients.platform.openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 64 }, { headers: { 'x-warden-task': 'fix-flaky-test', 'x-warden-task-type': 'explore', 'x-warden-user': 'frank' } }));
    const toolCall = answer?.choices[0]?.message.tool_calls?.[0];
    if (toolCall === undefined || toolCall.type !== 'function') break;
    messages.push({ role: 'assistant', content: null, tool_calls: [toolCall] }, { role: 'tool', tool_call_id: toolCall.id, content: '1 failing: expected 2, got 3' });
  }
  // A tool the policy does not allow.
  harness.mock.setBehavior({ toolCall: { name: 'delete_branch', argumentsJson: '{"branch":"main"}' } });
  await ask(clients.platform, { task: 'cleanup-1', type: 'explore', user: 'frank', text: 'Clean up old branches.' });
  // A push that needs a person: held, and left pending.
  harness.mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"git push origin release/2.4"}' } });
  await ask(clients.research, { task: 'release-2.4', type: 'generate', user: 'alice', model: 'gpt-4o-mini', text: 'Ship release 2.4.' });
  harness.mock.setBehavior({ toolCall: undefined });
  return { clients, step };
}
