import type Database from 'better-sqlite3';
import type { ApprovalRecord } from '../../core/approval-record.js';
import { approvalKeepUntilInMs, type ApprovalUpdate, type TaskGuardRecord, type TaskGuardUpdate } from '../../core/guard-records.js';
import type { GuardRecords } from '../guard-methods.js';
import { sqliteAttempt as attempt } from './sqlite-attempt.js';

interface ApprovalRow {
  approval_json: string;
}

interface TaskGuardRow {
  expires_at_in_ms: number;
  guard_json: string;
}

/**
 * Approvals and task guard records in SQLite, read from the file on every call so that every
 * process on it (SDK agents, the CLI, a gateway) sees the others' changes. Each compare-and-set and
 * read-modify-write is one IMMEDIATE transaction, atomic across those processes.
 */
export class SqliteGuards implements GuardRecords {
  private readonly statements: GuardStatements;
  private readonly putIfLatest: (approval: ApprovalRecord, previousForCall: string | undefined) => boolean;
  private readonly update: (update: TaskGuardUpdate) => TaskGuardRecord | undefined;

  constructor(db: Database.Database) {
    const statements = prepareGuardStatements(db);
    this.statements = statements;
    const putIfLatest = db.transaction((approval: ApprovalRecord, previousForCall: string | undefined): boolean => {
      if (approval.callKey !== undefined && statements.latestIdForCall.get(approval.callKey)?.id !== previousForCall) return false;
      statements.insertApproval.run(approval.id, approval.status, approval.callKey ?? null, approval.createdAtInMs, approvalKeepUntilInMs(approval), JSON.stringify(approval));
      return true;
    });
    this.putIfLatest = (approval, previousForCall) => putIfLatest.immediate(approval, previousForCall);
    const update = db.transaction((change: TaskGuardUpdate): TaskGuardRecord | undefined => {
      const previous = readTaskGuard(statements.findTaskGuard.get(change.taskId), change.nowInMs);
      const next = change.change(previous);
      if (next === previous) return previous;
      if (next === undefined) {
        statements.deleteTaskGuard.run(change.taskId);
        return undefined;
      }
      const stored: TaskGuardRecord = { ...next, taskId: change.taskId };
      statements.putTaskGuard.run(change.taskId, change.nowInMs + change.keepForInMs, JSON.stringify(stored));
      return stored;
    });
    this.update = (change) => update.immediate(change);
  }

  putApproval(approval: ApprovalRecord, options: { previousForCall?: string } = {}): boolean {
    return attempt(`Could not file approval "${approval.id}" in SQLite; check the database file, then retry.`, () => this.putIfLatest(approval, options.previousForCall));
  }

  findApproval(id: string): ApprovalRecord | undefined {
    const row = attempt(`Could not read approval "${id}" from SQLite; check the database file, then retry.`, () => this.statements.findApproval.get(id));
    return row === undefined ? undefined : (JSON.parse(row.approval_json) as ApprovalRecord);
  }

  findLatestApproval(callKey: string): ApprovalRecord | undefined {
    const row = attempt('Could not read approvals from SQLite; check the database file, then retry.', () => this.statements.latestForCall.get(callKey));
    return row === undefined ? undefined : (JSON.parse(row.approval_json) as ApprovalRecord);
  }

  /** Oldest first, then in filing order. */
  listApprovals(): ApprovalRecord[] {
    const rows = attempt('Could not list approvals in SQLite; check the database file, then retry.', () => this.statements.listApprovals.all());
    return rows.map((row) => JSON.parse(row.approval_json) as ApprovalRecord);
  }

  updateApproval(id: string, update: ApprovalUpdate): boolean {
    const next: ApprovalRecord = { ...update.next, id };
    const result = attempt(`Could not update approval "${id}" in SQLite; check the database file, then retry.`, () =>
      this.statements.updateApproval.run(next.status, approvalKeepUntilInMs(next), JSON.stringify(next), id, update.fromStatus),
    );
    return result.changes === 1;
  }

  findTaskGuard(taskId: string, nowInMs: number): TaskGuardRecord | undefined {
    const row = attempt(`Could not read the guard state of task "${taskId}" from SQLite; check the database file, then retry.`, () => this.statements.findTaskGuard.get(taskId));
    return readTaskGuard(row, nowInMs);
  }

  updateTaskGuard(update: TaskGuardUpdate): TaskGuardRecord | undefined {
    return attempt(`Could not update the guard state of task "${update.taskId}" in SQLite; check the database file, then retry.`, () => this.update(update));
  }

  /** Deletes approvals past their retention and task records past their expiry at `nowInMs`; returns how many. */
  prune(nowInMs: number): number {
    return attempt('Could not drop old approvals and task guard records in SQLite; check the database file, then retry.', () => {
      const approvals = this.statements.deleteOldApprovals.run(nowInMs).changes;
      return approvals + this.statements.deleteExpiredTaskGuards.run(nowInMs).changes;
    });
  }
}

type GuardStatements = ReturnType<typeof prepareGuardStatements>;

function prepareGuardStatements(db: Database.Database) {
  return {
    insertApproval: db.prepare<[string, string, string | null, number, number, string]>(
      'INSERT INTO approvals (id, status, call_key, created_at_in_ms, keep_until_in_ms, approval_json) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    findApproval: db.prepare<[string], ApprovalRow>('SELECT approval_json FROM approvals WHERE id = ?'),
    latestIdForCall: db.prepare<[string], { id: string }>('SELECT id FROM approvals WHERE call_key = ? ORDER BY sequence DESC LIMIT 1'),
    latestForCall: db.prepare<[string], ApprovalRow>('SELECT approval_json FROM approvals WHERE call_key = ? ORDER BY sequence DESC LIMIT 1'),
    listApprovals: db.prepare<[], ApprovalRow>('SELECT approval_json FROM approvals ORDER BY created_at_in_ms, sequence'),
    updateApproval: db.prepare<[string, number, string, string, string]>('UPDATE approvals SET status = ?, keep_until_in_ms = ?, approval_json = ? WHERE id = ? AND status = ?'),
    deleteOldApprovals: db.prepare<[number]>('DELETE FROM approvals WHERE keep_until_in_ms <= ?'),
    findTaskGuard: db.prepare<[string], TaskGuardRow>('SELECT expires_at_in_ms, guard_json FROM task_guards WHERE task_id = ?'),
    putTaskGuard: db.prepare<[string, number, string]>(`
      INSERT INTO task_guards (task_id, expires_at_in_ms, guard_json) VALUES (?, ?, ?)
      ON CONFLICT (task_id) DO UPDATE SET expires_at_in_ms = excluded.expires_at_in_ms, guard_json = excluded.guard_json`),
    deleteTaskGuard: db.prepare<[string]>('DELETE FROM task_guards WHERE task_id = ?'),
    deleteExpiredTaskGuards: db.prepare<[number]>('DELETE FROM task_guards WHERE expires_at_in_ms <= ?'),
  };
}

function readTaskGuard(row: TaskGuardRow | undefined, nowInMs: number): TaskGuardRecord | undefined {
  return row === undefined || row.expires_at_in_ms <= nowInMs ? undefined : (JSON.parse(row.guard_json) as TaskGuardRecord);
}
