import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../core/ledger-event.js';
import { createUsage } from '../core/usage.js';
import { createSqliteStore } from '../stores/sqlite/sqlite-store.js';
import { createRecordingOutput } from './cli-output.js';
import { runCli } from './run-cli.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-replay-'));
const dbPath = join(directory, 'live.db');
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function run(argv: string[]) {
  const output = createRecordingOutput();
  const exitCode = await runCli({ argv, env: {}, output, serve: async () => undefined });
  return { exitCode, stdout: output.stdout(), stderr: output.stderr() };
}

// big: 10,000 nano per input token, 30,000 per output token; 100 in + 50 out = 2,500,000 nano ($0.0025).
const candidatePath = join(directory, 'candidate.yaml');
const candidateYaml = `
prices:
  overrides:
    big: { input: 10, output: 30 }
budgets:
  - { scope: "team:research", window: day, hard: "0.003" }
cache: { enabled: true, ttlInSeconds: 300 }
`;

const call = (at: string, fingerprint: string): LedgerEvent => ({
  type: 'reservation-commit',
  timeInMs: Date.parse(at),
  requestId: `req-${at}`,
  org: 'acme',
  team: 'research',
  taskType: 'summarize',
  requestedModel: 'big',
  model: 'big',
  provider: 'openai',
  usage: createUsage({ inputTokens: 100, outputTokens: 50 }),
  costInNanoUsd: 2_500_000,
  status: 'ok',
  requestFingerprint: fingerprint,
  data: { reservationId: `res-${at}` },
});

beforeAll(async () => {
  writeFileSync(candidatePath, candidateYaml);
  const store = createSqliteStore({ path: dbPath });
  await store.append([
    call('2026-11-10T10:00:00Z', 'f1'),
    // Identical to the first, 60 s later: the candidate's cache answers it.
    call('2026-11-10T10:01:00Z', 'f1'),
    // $0.0025 already spent of $0.003: the candidate refuses it.
    call('2026-11-10T10:02:00Z', 'f2'),
    { type: 'call-refuse', timeInMs: Date.parse('2026-11-10T10:03:00Z'), team: 'research', status: 'refused', errorCode: 'budget_exceeded' },
    // Outside --until: not replayed.
    call('2026-11-12T10:00:00Z', 'f3'),
  ]);
  await store.close();
});

const range = ['--since', '2026-11-10', '--until', '2026-11-11'];

describe('warden replay', () => {
  it('prints what the candidate would refuse and serve from cache, per team and task type, as a table', async () => {
    const result = await run(['replay', '--config', candidatePath, '--db', dbPath, ...range]);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const [intro, byTeam, byTaskType, refusals, assumptions] = result.stdout.split('\n\n');
    expect(intro).toBe(
      [
        `What-if replay of 3 recorded calls from 2026-11-10 00:00 UTC to 2026-11-11 00:00 UTC under ${candidatePath}`,
        'Spend: live $0.007500, with the candidate $0.002500: a saving of $0.005000 (66.7%).',
        'Refused 1, downgraded 0, rerouted 0, served from cache 1 ($0.002500 not spent).',
      ].join('\n'),
    );
    expect(byTeam).toBe(
      [
        'By team',
        'TEAM      CALLS  LIVE SPEND  CANDIDATE SPEND  SAVING     REFUSED  DOWNGRADED  REROUTED  CACHED',
        'research  3      $0.007500   $0.002500        $0.005000  1        0           0         1',
      ].join('\n'),
    );
    expect(byTaskType).toContain('summarize  3      $0.007500   $0.002500');
    expect(refusals).toBe(['Refusals per budget and window', 'SCOPE          WINDOW          CODE             CALLS  LIVE SPEND', 'team:research  day 2026-11-10  budget_exceeded  1      $0.002500'].join('\n'));
    expect(assumptions).toMatch(/^Assumptions\n  - Calls are replayed one at a time in recorded order/);
    expect(assumptions).toContain('Calls the live deployment refused (1 in this period) are not replayed');
    expect(assumptions).toContain('keeps its token counts, priced at the new model');
  });

  it('prints the same figures as JSON, amounts as nano-USD integers and USD text', async () => {
    const result = await run(['replay', '--config', candidatePath, '--db', dbPath, ...range, '--format', 'json']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      candidate: candidatePath,
      since: '2026-11-10T00:00:00.000Z',
      until: '2026-11-11T00:00:00.000Z',
      totals: {
        calls: 3,
        liveSpendInNanoUsd: 7_500_000,
        candidateSpendInNanoUsd: 2_500_000,
        savingInNanoUsd: 5_000_000,
        refused: 1,
        cached: 1,
        cacheSavingInNanoUsd: 2_500_000,
        liveSpendUsd: '0.0075',
        savingUsd: '0.005',
      },
      byTeam: [{ team: 'research', calls: 3, refused: 1, cached: 1 }],
      byTaskType: [{ taskType: 'summarize', calls: 3 }],
      refusals: [{ scope: 'team:research', window: 'day', windowLabel: '2026-11-10', code: 'budget_exceeded', calls: 1, liveSpendInNanoUsd: 2_500_000, liveSpendUsd: '0.0025' }],
      modelChanges: [],
      notes: { liveRefusals: 1, liveCached: 0, withoutFingerprint: 0 },
    });
    expect(report.assumptions).toHaveLength(7);
  });

  it('says where to point it when the live database is missing, and rejects an empty range', async () => {
    const missing = await run(['replay', '--config', candidatePath, '--db', join(directory, 'nope.db')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('There is no Warden database at');
    expect(missing.stderr).toContain('--live-config');
    const backwards = await run(['replay', '--config', candidatePath, '--db', dbPath, '--since', '2026-11-11', '--until', '2026-11-10']);
    expect(backwards.exitCode).toBe(1);
    expect(backwards.stderr).toContain('must be before --until (2026-11-10T00:00:00.000Z)');
  });
});
