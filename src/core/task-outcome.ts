import type { LedgerEvent } from './ledger-event.js';
import { WardenError } from './warden-error.js';

/** How a task ended, as the task reports it. */
export type TaskOutcome = 'success' | 'failure';

export const taskOutcomes = ['success', 'failure'] as const satisfies readonly TaskOutcome[];

const maxNoteLength = 500;

/** Checks an outcome someone sent (SDK caller, header, admin API); `where` names the field in the error. */
export function parseTaskOutcome(value: unknown, where: string): TaskOutcome {
  if (value === 'success' || value === 'failure') return value;
  throw new WardenError('invalid_request', `${where} must be "success" or "failure", got ${JSON.stringify(value)}.`, { details: { field: where } });
}

/** Checks an optional note on an outcome: a string of at most 500 characters. */
export function parseTaskOutcomeNote(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > maxNoteLength) {
    throw new WardenError('invalid_request', `${where} must be a string of at most ${maxNoteLength} characters.`, { details: { field: where } });
  }
  return value;
}

/**
 * The `task-finish` ledger event: a task reports how it ended. A task may report more than once;
 * reports count the last one.
 * @example taskFinishEvent({ taskId: 'tk_1', outcome: 'success', timeInMs: clock.now(), by: 'sdk' })
 */
export function taskFinishEvent(options: {
  taskId: string;
  outcome: TaskOutcome;
  timeInMs: number;
  /** Who reported it: sdk, header, admin… */
  by: string;
  note?: string;
  attribution?: Pick<LedgerEvent, 'taskType' | 'parentTaskId' | 'keyId' | 'team' | 'org' | 'user' | 'tags'>;
  requestId?: string;
}): LedgerEvent {
  return {
    type: 'task-finish',
    timeInMs: options.timeInMs,
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    ...options.attribution,
    taskId: options.taskId,
    data: { outcome: options.outcome, by: options.by, ...(options.note === undefined ? {} : { note: options.note }) },
  };
}
