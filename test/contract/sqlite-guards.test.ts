import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { sqliteMigrations } from '../../src/stores/sqlite/sqlite-schema.js';
import { createSqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { killSwitch } from './control-contract-cases.js';
import { approval, taskGuard } from './guard-contract-cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'warden-sqlite-guards-'));
let opened = 0;
const nextPath = (): string => join(directory, `guards-${(opened += 1)}.db`);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Runs the writer script in its own process and waits for it to finish. */
function runWriter(args: string[]): Promise<void> {
  const child = fork(resolve(here, '../support/sqlite-guard-writer-process.mjs'), args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolveDone, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolveDone() : reject(new Error(`the writer exited with ${code}`))));
  });
}

describe('SQLite store: approvals and task guards shared through the file', () => {
  const open: Array<{ close(): unknown }> = [];
  const track = <Closable extends { close(): unknown }>(closable: Closable): Closable => {
    open.push(closable);
    return closable;
  };
  afterEach(async () => {
    for (const closable of open.splice(0).reverse()) await closable.close();
  });

  it('shows an approval filed by one process to another on the same file, and lets only one decide it', async () => {
    const path = nextPath();
    const clock = createManualClock(1_000);
    const agent = track(createSqliteStore({ path, clock }));
    const operator = track(createSqliteStore({ path, clock }));
    await agent.putApproval(approval('apr_1'));
    expect(await operator.listApprovals()).toEqual([approval('apr_1')]);
    const approved = approval('apr_1', { status: 'approved', decidedBy: 'cli', decidedAtInMs: 2_000 });
    expect(await operator.updateApproval('apr_1', { fromStatus: 'pending', next: approved })).toBe(true);
    expect(await agent.updateApproval('apr_1', { fromStatus: 'pending', next: approval('apr_1', { status: 'denied' }) })).toBe(false);
    expect(await agent.findApproval('apr_1')).toEqual(approved);
    await operator.updateTaskGuard({ taskId: 'task-1', nowInMs: 1_000, keepForInMs: 60_000, change: () => taskGuard('task-1') });
    expect(await agent.findTaskGuard('task-1', 1_000)).toEqual(taskGuard('task-1'));
  });

  it('loses no task guard update when two processes change the same task at once', async () => {
    const path = nextPath();
    track(createSqliteStore({ path })); // creates the file and its schema before the writers race
    await Promise.all([runWriter([path, 'shared', '150']), runWriter([path, 'shared', '150'])]);
    const reader = track(createSqliteStore({ path }));
    expect((await reader.findTaskGuard('shared', 1_000))?.toolCalls).toBe(300);
  });

  it('adds the guard tables to a file made at schema version 2, keeping what it held', async () => {
    const path = nextPath();
    const old = new Database(path);
    old.exec(sqliteMigrations[0] as string);
    old.exec(sqliteMigrations[1] as string);
    old.exec(`INSERT INTO kill_switches (target, at_in_ms, switch_json) VALUES ('global', 1000, '{"reason":"runaway agent","by":"cli"}')`);
    old.pragma('user_version = 2');
    old.close();
    const store = track(createSqliteStore({ path, clock: createManualClock(1_000) }));
    expect(await store.listKillSwitches()).toEqual([killSwitch('global', 1_000)]);
    expect(await store.putApproval(approval('apr_1'))).toBe(true);
    expect(await store.listApprovals()).toEqual([approval('apr_1')]);
    const reader = track(new Database(path, { readonly: true }));
    expect(reader.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
  });

  it('deletes old approvals and idle task records from the file on prune', async () => {
    const path = nextPath();
    const clock = createManualClock(1_000);
    const store = track(createSqliteStore({ path, clock }));
    await store.putApproval(approval('apr_1', { expiresAtInMs: 2_000 }));
    await store.updateTaskGuard({ taskId: 'idle', nowInMs: 1_000, keepForInMs: 5_000, change: () => taskGuard('idle') });
    clock.set(2_000 + 24 * 60 * 60 * 1000);
    await store.prune();
    const reader = track(new Database(path, { readonly: true }));
    expect(reader.prepare('SELECT count(*) AS count FROM approvals').get()).toEqual({ count: 0 });
    expect(reader.prepare('SELECT count(*) AS count FROM task_guards').get()).toEqual({ count: 0 });
  });
});
