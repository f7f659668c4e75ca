/**
 * The main job until the gateway lands: a small fleet of agent tasks through the official
 * `openai` and `@anthropic-ai/sdk` clients, guarded by Warden, against the built-in mock upstream.
 * No API keys needed. One task hits its cap, one is downgraded at its soft limit.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatUsd } from '../src/core/money.js';
import { createMockUpstream } from '../src/providers/simulated/index.js';
import { createWarden, isWardenError, type Task } from '../src/sdk/index.js';
import { createSqliteStore } from '../src/stores/sqlite/sqlite-store.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-example-'));
const mock = await createMockUpstream({ behavior: { latencyInMs: 5, outputTokens: 120 } });
const store = createSqliteStore({ path: join(directory, 'warden.db') });
const events = new Map<string, number>();
const note = (line: string) => events.set(line, (events.get(line) ?? 0) + 1);
const warden = createWarden({
  store,
  config: {
    org: 'acme',
    timeZone: 'Europe/Berlin',
    budgets: [
      { scope: 'team:research', window: 'day', hard: '5', ladder: [{ atPercent: 50, actions: ['log'] }] },
      { scope: 'task:*', window: 'task', soft: '0.004' },
    ],
    downgrades: { 'gpt-4o': 'gpt-4o-mini', 'claude-sonnet-4-6': 'claude-haiku-4-5' },
    taskTypes: {
      exploratory: { budget: { hard: '0.02', calls: 12 } },
      extractive: { budget: { hard: '0.01' } },
      generative: { budget: { hard: '0.05' } },
    },
  },
  hooks: {
    onDowngrade: (event) => note(`downgrade  ${event.fromModel} → ${event.toModel} (${event.scope} past its soft limit)`),
    onStage: (event) => note(`stage      ${event.scope} reached ${event.stage.atPercent}% (${event.stage.actions.join(', ')})`),
  },
});
const openai = warden.openai(new OpenAI({ apiKey: 'simulated', baseURL: `${mock.url}/v1` }), { team: 'research' });
const anthropic = warden.anthropic(new Anthropic({ apiKey: 'simulated', baseURL: mock.url }), { team: 'research' });

interface TaskReport {
  name: string;
  type: string;
  calls: number;
  refused?: string;
  task?: Task;
}
const reports: TaskReport[] = [];

async function runTask(name: string, type: string, budget: string | undefined, work: (report: TaskReport) => Promise<void>): Promise<void> {
  const report: TaskReport = { name, type, calls: 0 };
  reports.push(report);
  const id = name.replace(/ \(.*\)$/, '').replaceAll(' ', '-');
  await warden.task({ id, type, ...(budget ? { budget } : {}) }, async (task) => {
    report.task = task;
    try {
      await work(report);
    } catch (error) {
      if (!isWardenError(error)) throw error;
      report.refused = `${error.code}: ${error.message}`;
    }
  });
}

const question = (topic: string) => [{ role: 'user' as const, content: `Give three facts about ${topic}.` }];

await runTask('triage inbox', 'extractive', undefined, async (report) => {
  for (const topic of ['invoices', 'refunds', 'outages']) {
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question(topic), max_tokens: 200 });
    report.calls += 1;
  }
});

await runTask('research market (downgrades)', 'exploratory', undefined, async (report) => {
  for (const topic of ['GPUs', 'pricing', 'competitors', 'regulation', 'hiring']) {
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: question(topic), max_tokens: 300, stream: true });
    for await (const chunk of stream) void chunk;
    report.calls += 1;
  }
});

await runTask('draft report (hits cap)', 'generative', '0.01', async (report) => {
  for (let section = 1; section <= 20; section += 1) {
    await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 400, messages: question(`section ${section}`) });
    report.calls += 1;
  }
});

await runTask('summarise thread', 'extractive', undefined, async (report) => {
  await warden.task({ type: 'extractive' }, async () => {
    await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 150, messages: question('the thread') });
    report.calls += 1;
  });
});

await warden.flush();
const rows = await store.query({ types: ['reservation-commit'] });
const downgraded = rows.filter((row) => row.model !== row.requestedModel).length;

console.log('\nWarden example: agent tasks against the built-in mock provider\n');
console.log(`${'task'.padEnd(30)} ${'type'.padEnd(12)} ${'calls'.padStart(5)} ${'spent'.padStart(11)} ${'budget left'.padStart(12)}  outcome`);
for (const report of reports) {
  const spent = (await report.task?.spentInNanoUsd()) ?? 0;
  const remaining = await report.task?.remainingInNanoUsd();
  const outcome = report.refused ? `refused: ${report.refused.split('. ')[0]}` : 'ok';
  console.log(
    `${report.name.padEnd(30)} ${report.type.padEnd(12)} ${String(report.calls).padStart(5)} ${formatUsd(spent).padStart(11)} ${(remaining === undefined ? '-' : formatUsd(remaining)).padStart(12)}  ${outcome}`,
  );
}
const total = rows.reduce((sum, row) => sum + (row.costInNanoUsd ?? 0), 0);
console.log(`\n${rows.length} calls charged, ${downgraded} downgraded, total ${formatUsd(total)}.`);
if (events.size > 0) console.log(`\n${[...events].map(([line, count]) => (count > 1 ? `${line} ×${count}` : line)).join('\n')}`);
console.log(`\nLedger: ${(await store.query({})).length} rows in ${join(directory, 'warden.db')} (removed on exit).`);

await warden.close();
await mock.close();
rmSync(directory, { recursive: true, force: true });
