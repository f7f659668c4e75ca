import type { LedgerEvent } from '../../core/ledger-event.js';

/** One ledger event as it waits in the spool and in the write buffer: its id, its columns and its JSON. */
export interface PostgresLedgerRow {
  eventId: string;
  timeInMs: number;
  type: string;
  requestId: string | null;
  taskId: string | null;
  parentTaskId: string | null;
  keyId: string | null;
  team: string | null;
  model: string | null;
  costInNanoUsd: number | null;
  status: string | null;
  /** The event as JSON text, exactly what the `event` column will hold. */
  json: string;
}

/**
 * The row for `event` (whose time is already set). Throws when the event cannot be serialised,
 * so a bad event fails its own append. PostgreSQL text and jsonb cannot hold U+0000, and one such
 * event would fail every batch it is in forever, so it is stored as U+FFFD.
 */
export function toPostgresLedgerRow(eventId: string, event: LedgerEvent): PostgresLedgerRow {
  return {
    eventId,
    timeInMs: toBigint(event.timeInMs) ?? 0,
    type: toText(event.type) ?? '',
    requestId: toText(event.requestId),
    taskId: toText(event.taskId),
    parentTaskId: toText(event.parentTaskId),
    keyId: toText(event.keyId),
    team: toText(event.team),
    model: toText(event.model),
    costInNanoUsd: toBigint(event.costInNanoUsd),
    status: toText(event.status),
    // Only an escape that is not itself escaped (preceded by an even run of backslashes) is a U+0000.
    json: JSON.stringify(event).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd'),
  };
}

function toText(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value).replaceAll('\u0000', '\ufffd');
}

/** A bigint column value; the columns only serve filters and reports, the event JSON keeps the exact number. */
function toBigint(value: number | undefined): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.floor(value)));
}
