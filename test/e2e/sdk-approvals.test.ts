import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ApprovalRecord } from '../../src/core/approval-record.js';
import type { LedgerRow } from '../../src/core/ledger-event.js';
import { createRecordingOutput } from '../../src/cli/cli-output.js';
import { runCli } from '../../src/cli/run-cli.js';
import { createWarden, type CreateWardenOptions, type Warden } from '../../src/sdk/create-warden.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { waitFor } from './gateway-harness.js';

const directory = mkdtempSync(join(tmpdir(), 'warden-sdk-approvals-'));
let opened = 0;
let warden: Warden | undefined;
afterEach(async () => {
  await warden?.close();
  warden = undefined;
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const config = {
  taskTypes: { release: {} },
  toolPolicies: [{ appliesTo: { taskType: 'release' }, tools: [{ name: 'shell', commands: { allow: [{ pattern: 'git push ...', requireApproval: true }] } }] }],
  toolChecks: { approvalTimeoutInSeconds: 20 },
};

/** An SDK agent on its own SQLite file, the way several agent processes and the CLI share one. */
function openAgent(extra: Partial<CreateWardenOptions> = {}): { warden: Warden; path: string; rows(type: LedgerRow['type']): Promise<LedgerRow[]> } {
  const path = join(directory, `agent-${(opened += 1)}.db`);
  const store = createSqliteStore({ path });
  warden = createWarden({ config, store, ...extra });
  return { warden, path, rows: async (type) => (await store.flush(), store.query({ types: [type] })) };
}

/** `warden <argv>` in this process, as the operator's shell would run it. */
async function cli(...argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const output = createRecordingOutput();
  const exitCode = await runCli({ argv, env: { USER: 'ops' }, output, serve: async () => undefined });
  return { exitCode, stdout: output.stdout(), stderr: output.stderr() };
}

/** Waits until `warden approvals list --db` shows a pending approval, and returns it. */
async function pendingApproval(path: string): Promise<ApprovalRecord> {
  return waitFor(async () => {
    const listed = await cli('approvals', 'list', '--db', path, '--json');
    expect(listed.exitCode).toBe(0);
    return (JSON.parse(listed.stdout) as ApprovalRecord[]).find((approval) => approval.status === 'pending');
  }, 10_000);
}

/** A guarded `shell` of a release task, run on `command`, and what became of it. */
function guardedPush(agent: Warden, command: string, ran: string[]): Promise<string> {
  return agent.task({ type: 'release', id: 'release-7' }, (task) =>
    task.guardTool('shell', async (args: { command: string }) => {
      ran.push(args.command);
      return 'pushed';
    })({ command }),
  );
}

describe('SDK approvals decided with the CLI through the shared SQLite file', () => {
  it('holds a guarded tool until `warden approvals approve --db` lets it run, and files both in the ledger', async () => {
    const { warden: agent, path, rows } = openAgent();
    const ran: string[] = [];
    const pushing = guardedPush(agent, 'git push origin main', ran);
    const pending = await pendingApproval(path);
    expect(pending).toMatchObject({ tool: 'shell', argumentsJson: '{"command":"git push origin main"}', taskId: 'release-7' });
    expect(ran).toEqual([]);

    const approved = await cli('approvals', 'approve', pending.id, '--db', path, '--reason', 'release window open');
    expect(approved).toMatchObject({ exitCode: 0, stdout: expect.stringContaining(`Approved ${pending.id}`) });
    await expect(pushing).resolves.toBe('pushed');
    expect(ran).toEqual(['git push origin main']);

    const listed = JSON.parse((await cli('approvals', 'list', '--db', path, '--json')).stdout) as ApprovalRecord[];
    expect(listed).toEqual([expect.objectContaining({ id: pending.id, status: 'used', decidedBy: 'cli:ops', decisionReason: 'release window open' })]);
    expect((await rows('approval-request')).map((row) => row.data)).toEqual([expect.objectContaining({ approvalId: pending.id, tool: 'shell' })]);
    expect((await rows('approval-decide')).map((row) => ({ taskId: row.taskId, ...row.data }))).toEqual([
      expect.objectContaining({ taskId: 'release-7', approvalId: pending.id, status: 'approved', by: 'cli:ops', reason: 'release window open' }),
    ]);
    // Decided once: a second decision is refused and changes nothing.
    const late = await cli('approvals', 'deny', pending.id, '--db', path);
    expect(late.exitCode).toBe(1);
    expect(late.stderr).toContain('already used');
  });

  it('refuses the guarded tool after `warden approvals deny --db`, naming who denied it and why', async () => {
    const { warden: agent, path, rows } = openAgent();
    const ran: string[] = [];
    const pushing = guardedPush(agent, 'git push --force origin main', ran);
    const pending = await pendingApproval(path);
    expect((await cli('approvals', 'deny', pending.id, '--db', path, '--reason', 'no force pushes')).exitCode).toBe(0);
    await expect(pushing).rejects.toMatchObject({ code: 'tool_not_allowed', message: expect.stringContaining('cli:ops denied it (no force pushes)') });
    expect(ran).toEqual([]);
    expect((await rows('approval-decide')).map((row) => row.data?.status)).toEqual(['denied']);
  });

  it('refuses the guarded tool when no one decides within the approval timeout, and files the expiry', async () => {
    const { warden: agent, path, rows } = openAgent({ config: { ...config, toolChecks: { approvalTimeoutInSeconds: 1 } } });
    const ran: string[] = [];
    await expect(guardedPush(agent, 'git push origin main', ran)).rejects.toMatchObject({ code: 'tool_not_allowed', message: expect.stringMatching(/no one decided approval apr_[0-9a-f]+ within 1 s/) });
    expect(ran).toEqual([]);
    expect((await rows('approval-decide')).map((row) => row.data?.status)).toEqual(['expired']);
    const listed = JSON.parse((await cli('approvals', 'list', '--db', path, '--json')).stdout) as ApprovalRecord[];
    expect(listed.map((approval) => approval.status)).toEqual(['expired']);
  });

  it('with an approve hook, files the hook’s decision in the store, and takes the CLI’s when it comes first', async () => {
    const { warden: agent, path, rows } = openAgent({ approve: async (request) => request.argumentsJson.includes('main') });
    const ran: string[] = [];
    await expect(guardedPush(agent, 'git push origin main', ran)).resolves.toBe('pushed');
    const [decided] = JSON.parse((await cli('approvals', 'list', '--db', path, '--json')).stdout) as ApprovalRecord[];
    expect(decided).toMatchObject({ status: 'used', decidedBy: 'approve hook' });
    expect((await rows('approval-decide')).map((row) => row.data?.by)).toEqual(['approve hook']);
    await warden?.close();

    // A hook that never answers: the person at the CLI decides instead.
    const slow = openAgent({ approve: () => new Promise<boolean>(() => undefined) });
    const pushing = guardedPush(slow.warden, 'git push origin v2', ran);
    const pending = await pendingApproval(slow.path);
    expect((await cli('approvals', 'approve', pending.id, '--db', slow.path)).exitCode).toBe(0);
    await expect(pushing).resolves.toBe('pushed');
    expect(ran).toEqual(['git push origin main', 'git push origin v2']);
    expect((await slow.rows('approval-decide')).map((row) => row.data?.by)).toEqual(['cli:ops']);
  });

  it('says where to point the CLI when the database file does not exist', async () => {
    const missing = await cli('approvals', 'list', '--db', join(directory, 'nowhere.db'));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('There is no Warden database at');
  });
});
