import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { WardenConfigInput } from '../../src/core/parse-config.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createGatewayHarness, type GatewayHarness } from './gateway-harness.js';

const minuteInMs = 60_000;

interface Webhook {
  url: string;
  posts: Array<{ text: string; warden: Record<string, unknown> }>;
  close(): Promise<void>;
}

async function startWebhook(): Promise<Webhook> {
  const posts: Webhook['posts'] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      posts.push(JSON.parse(body) as Webhook['posts'][number]);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret-path`,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Two gateways (two replicas' worth of events) on one store and one fake clock. */
async function startReplicas(config: WardenConfigInput, startInMs: number) {
  const clock = { timeInMs: startInMs, now() { return this.timeInMs; } };
  const store = createMemoryStore({ clock });
  const mock = await createMockUpstream({ promptCaching: false });
  const webhook = await startWebhook();
  const fullConfig: WardenConfigInput = {
    models: { 'cheap-model': 'openai', 'pricey-model': 'openai' },
    prices: { overrides: { 'cheap-model': { input: 0.1, output: 0.1 }, 'pricey-model': { input: 1000, output: 1000 } } },
    alerts: { webhooks: [{ url: webhook.url }], evaluateEveryInSeconds: 3600 },
    ...config,
  };
  const replicas = [await createGatewayHarness({ config: fullConfig, store, mock, clock }), await createGatewayHarness({ config: fullConfig, store, mock, clock })] as const;
  return { clock, store, mock, webhook, replicas };
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function track(setup: { mock: MockUpstream; webhook: Webhook; replicas: readonly GatewayHarness[] }): void {
  cleanups.push(async () => {
    for (const replica of setup.replicas) await replica.close();
    await setup.mock.close();
    await setup.webhook.close();
  });
}

describe('cost SLO alerts across two replicas', () => {
  it('fires each stage of a monthly budget once per month, whichever replica crosses it', async () => {
    const setup = await startReplicas({ slos: [{ name: 'platform', scope: 'team:platform', monthly: '0.5' }] }, Date.UTC(2026, 10, 10, 9, 0, 0));
    track(setup);
    const clients = await Promise.all(setup.replicas.map((replica) => replica.client({ team: 'platform' })));
    const callUntilRefused = async (): Promise<number> => {
      for (let call = 0; call < 100; call += 1) {
        const client = clients[call % 2];
        try {
          await client?.openai.chat.completions.create({ model: 'pricey-model', messages: [{ role: 'user', content: 'Summarise the incident report.' }], max_tokens: 16 });
        } catch (error) {
          expect((error as { status?: number }).status).toBe(402);
          return call;
        }
      }
      throw new Error('the monthly budget never refused');
    };
    expect(await callUntilRefused()).toBeGreaterThan(2);
    const november = (await setup.replicas[0].rows('budget-cross')).map((row) => row.data?.atPercent);
    expect(november.sort()).toEqual([100, 50, 80].sort());

    setup.clock.timeInMs = Date.UTC(2026, 11, 2, 9, 0, 0);
    expect(await callUntilRefused()).toBeGreaterThan(2);
    const stages = (await setup.replicas[0].rows('budget-cross')).map((row) => `${String(row.data?.lineKey)} ${String(row.data?.atPercent)}`);
    expect(stages.sort()).toEqual(
      ['team:platform|month|2026-11 50', 'team:platform|month|2026-11 80', 'team:platform|month|2026-11 100', 'team:platform|month|2026-12 50', 'team:platform|month|2026-12 80', 'team:platform|month|2026-12 100'].sort(),
    );
    // 50% only logs: the webhook hears 80% and 100%, once per month.
    await Promise.all(setup.replicas.map((replica) => replica.gateway.alerts.idle()));
    expect(setup.webhook.posts.map((post) => `${String(post.warden.lineKey)} ${String(post.warden.atPercent)} ${String(post.warden.severity)}`).sort()).toEqual(
      ['team:platform|month|2026-11 80 warning', 'team:platform|month|2026-11 100 critical', 'team:platform|month|2026-12 80 warning', 'team:platform|month|2026-12 100 critical'].sort(),
    );
    const alertsCounted = async (replica: GatewayHarness) => {
      const metric = await replica.gateway.context.metrics.alerts.get();
      return metric.values.filter((value) => value.labels.kind === 'budget-stage').reduce((sum, value) => sum + value.value, 0);
    };
    expect((await alertsCounted(setup.replicas[0])) + (await alertsCounted(setup.replicas[1]))).toBe(6);
  });

  it('alerts on five minutes of overrun, once across both replicas, and not on a single spike', async () => {
    const start = Date.UTC(2026, 10, 10, 9, 0, 0);
    const setup = await startReplicas({ taskTypes: { review: {} }, slos: [{ name: 'review', taskType: 'review', targetPerTask: '0.001', sustainedMinutes: 5 }] }, start);
    track(setup);
    const clients = await Promise.all(setup.replicas.map((replica) => replica.client({ team: 'platform' })));
    const runMinute = async (minute: number, model: string): Promise<void> => {
      setup.clock.timeInMs = start + minute * minuteInMs + 1_000;
      for (let task = 0; task < 2; task += 1) {
        await clients[task]?.openai.chat.completions.create(
          { model, messages: [{ role: 'user', content: 'Review this diff.' }], max_tokens: 16 },
          { headers: { 'x-warden-task': `minute-${minute}-task-${task}`, 'x-warden-task-type': 'review' } },
        );
      }
      // Both replicas judge, as their timers would, once the minute is over.
      setup.clock.timeInMs = start + (minute + 1) * minuteInMs + 11_000;
      for (const replica of setup.replicas) await replica.gateway.slos?.tick();
    };
    const overruns = async () => (await setup.replicas[0].rows('slo-breach')).filter((row) => row.data?.kind === 'slo-overrun');

    for (let minute = 0; minute < 9; minute += 1) await runMinute(minute, minute === 3 ? 'pricey-model' : 'cheap-model');
    expect(await overruns()).toEqual([]);

    for (let minute = 9; minute < 13; minute += 1) await runMinute(minute, 'pricey-model');
    expect(await overruns()).toEqual([]);
    await runMinute(13, 'pricey-model');
    await runMinute(14, 'pricey-model');
    const rows = await overruns();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.data).toMatchObject({ slo: 'review', figure: 'mean', minutes: 5, tasks: 2, sinceInMs: start + 9 * minuteInMs });

    await Promise.all(setup.replicas.map((replica) => replica.gateway.alerts.idle()));
    const posts = setup.webhook.posts.filter((post) => post.warden.kind === 'slo-overrun');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.text).toMatch(/^:warning: SLO "review": the mean cost per task of "review" tasks has been above \$0\.001 for 5 minutes/);
  });
});
