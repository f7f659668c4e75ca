import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../core/ledger-event.js';
import { createSqliteStore } from '../stores/sqlite/sqlite-store.js';
import { createRecordingOutput } from './cli-output.js';
import { runCli } from './run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-plan-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

async function run(argv: string[]) {
  const output = createRecordingOutput();
  const exitCode = await runCli({ argv, env: {}, output, serve: async () => undefined });
  return { exitCode, stdout: output.stdout(), stderr: output.stderr() };
}

const threeSteps = `
name: three-at-ninety
handOff: { cost: "1" }
steps:
  - { name: plan, successRate: 90%, costPerAttempt: "0.01" }
  - { name: search, successRate: 0.9, costPerAttempt: "0.01" }
  - { name: write, successRate: 0.9, costPerAttempt: "0.01" }
`;

describe('warden plan --file', () => {
  it('prints the cost per task under each strategy and the one-point savings', async () => {
    const path = file('three.yaml', threeSteps);
    const result = await run(['plan', '--file', path, '--samples', '2000']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`Plan "three-at-ninety": 3 steps from ${path}; 2000 simulated tasks (seed 1).`);
    // 0.01 · (1 + 0.9 + 0.81) / 0.729; 3 · 0.01 / 0.9; 0.01 · 2.71 + 0.271 · $1.
    expect(lines.find((line) => line.startsWith('restart '))).toMatch(/^restart\s+\$0\.037174\s+exact\s+\$\d+\.\d{6}\s+100\.00%/);
    expect(lines.find((line) => line.startsWith('resume '))).toMatch(/^resume\s+\$0\.033333\s+exact/);
    expect(lines.find((line) => line.startsWith('hand-off '))).toMatch(/^hand-off\s+\$0\.298100\s+exact\s+\$\d+\.\d{6}\s+72\.90% \(\+27\.10% by a person\)/);
    expect(lines).toContain('Saving per task when one step fails one point less often:');
    // resume: 0.01/0.9 − 0.01/0.91; hand-off: 0.0081 fewer hand-offs at $1, less 0.01 · 0.019 more machine work.
    expect(lines.find((line) => line.startsWith('plan ') && line.includes('→'))).toMatch(/^plan\s+90\.00% → 91\.00%\s+\$0\.000151\s+\$0\.000122\s+\$0\.007910$/);
  });

  it('prints JSON that parses, money as USD text', async () => {
    const path = file('three.json', JSON.stringify({ steps: [{ name: 'only', successRate: 0.5, costPerAttempt: '0.01', maxAttempts: 3 }] }));
    const result = await run(['plan', '--file', path, '--format', 'json', '--samples', '1000', '--seed', '9']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { seed: number; samples: number; strategies: Array<Record<string, unknown>> };
    expect(report).toMatchObject({ seed: 9, samples: 1000 });
    expect(report.strategies.map((entry) => entry['strategy'])).toEqual(['restart', 'resume']);
    expect(report.strategies[1]).toMatchObject({ method: 'exact', expectedCostUsd: '0.0175', standardErrorUsd: null, successProbability: 0.875 });
  });

  it('says what is wrong with a bad plan file and exits 1', async () => {
    const path = file('bad.yaml', 'steps:\n  - name: plan\n    successRate: 1.2\n    costPerAttempt: "0.01"\n    retries: 3\n');
    const result = await run(['plan', '--file', path]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`Invalid plan in ${path}:`);
    expect(result.stderr).toContain('steps[0]: unknown key "retries"; remove or correct it (check the spelling)');

    const rate = await run(['plan', '--file', file('rate.yaml', 'steps:\n  - { name: plan, successRate: 1.2, costPerAttempt: "0.01" }\n')]);
    expect(rate.stderr).toContain('steps[0].successRate: expected a success rate like 0.9 or "90%": above 0 and at most 1, got 1.2');

    const yaml = await run(['plan', '--file', file('broken.yaml', 'steps: [\n')]);
    expect(yaml.exitCode).toBe(1);
    expect(yaml.stderr).toContain('Invalid YAML in plan');

    const missing = await run(['plan', '--file', join(directory, 'nope.yaml')]);
    expect(missing.stderr).toContain('the file does not exist; check the path given to --file');
  });

  it('asks for one source of steps, and refuses ledger flags with a file', async () => {
    expect((await run(['plan'])).stderr).toContain('warden plan takes its steps from one place: --file plan.yaml, or --from-ledger --task-types a,b,c.');
    const path = file('three-again.yaml', threeSteps);
    expect((await run(['plan', '--file', path, '--from-ledger'])).exitCode).toBe(1);
    expect((await run(['plan', '--file', path, '--since', '7d', '--hand-off-cost', '2'])).stderr).toContain(
      '--hand-off-cost, --since only apply with --from-ledger; with --file, write limits and handOff into the plan file.',
    );
    expect((await run(['plan', '--file', path, '--samples', '0'])).stderr).toContain('expected a whole number above 0');
  });
});

describe('warden plan --from-ledger', () => {
  it('plans from the rates and costs a SQLite ledger observed', async () => {
    const path = join(directory, 'ledger.db');
    const store = createSqliteStore({ path, pruneIntervalInMs: 0 });
    const timeInMs = Date.now() - 86_400_000;
    const events: LedgerEvent[] = [];
    for (const [taskType, count, successes, costInNanoUsd] of [
      ['plan', 10, 9, 10_000_000],
      ['write', 4, 3, 20_000_000],
    ] as const) {
      for (let index = 0; index < count; index += 1) {
        const taskId = `${taskType}-${index}`;
        events.push({ type: 'reservation-commit', timeInMs, taskId, taskType, costInNanoUsd, status: 'ok' });
        events.push({ type: 'task-finish', timeInMs, taskId, taskType, data: { outcome: index < successes ? 'success' : 'failure' } });
      }
    }
    await store.append(events);
    await store.close();

    const result = await run(['plan', '--from-ledger', '--task-types', 'plan,write', '--db', path, '--hand-off-cost', '3', '--format', 'json', '--samples', '1000']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { source: { tasks: unknown[] }; steps: Array<Record<string, unknown>>; strategies: Array<Record<string, unknown>> };
    expect(report.steps.map((step) => [step['name'], step['successProbability'], step['meanAttemptCostUsd'], step['costKind']])).toEqual([
      ['plan', 0.9, '0.01', 'empirical'],
      ['write', 0.75, '0.02', 'empirical'],
    ]);
    expect(report.source.tasks).toEqual([
      { taskType: 'plan', finishedTasks: 10, succeededTasks: 9, tasksWithoutOutcome: 0 },
      { taskType: 'write', finishedTasks: 4, succeededTasks: 3, tasksWithoutOutcome: 0 },
    ]);
    // resume: 0.01 / 0.9 + 0.02 / 0.75.
    expect(report.strategies.find((entry) => entry['strategy'] === 'resume')).toMatchObject({ method: 'exact', expectedCostUsd: '0.037777778' });
    expect(report.strategies.map((entry) => entry['strategy'])).toEqual(['restart', 'resume', 'hand-off']);
  });

  it('says where it looked when there is no database', async () => {
    const result = await run(['plan', '--from-ledger', '--task-types', 'plan', '--db', join(directory, 'missing.db')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`There is no Warden database at ${join(directory, 'missing.db')}.`);
  });

  it('needs task types, once each', async () => {
    expect((await run(['plan', '--from-ledger'])).stderr).toContain('--from-ledger needs --task-types');
    expect((await run(['plan', '--from-ledger', '--task-types', 'a,a'])).stderr).toContain('--task-types names "a" twice');
    expect((await run(['plan', '--from-ledger', '--task-types', 'a', '--since', 'yesterday'])).stderr).toContain('--since: "yesterday" is not a time; use a duration back from now like 30d');
    expect((await run(['plan', '--from-ledger', '--task-types', 'a', '--hand-off-attempts', '2'])).stderr).toContain('--hand-off-attempts needs --hand-off-cost');
  });
});
