import type { NanoUsd } from './money.js';
import type { Usage } from './usage.js';

/** Ledger event types read `<noun>-<verb>`. */
export const ledgerEventTypes = [
  'reservation-create',
  'reservation-commit',
  'reservation-release',
  'call-refuse',
  'call-downgrade',
  'call-retry',
  'budget-cross',
  'call-fallback',
  'cache-serve',
  'key-create',
  'key-revoke',
  'kill-switch-set',
  'kill-switch-clear',
  // A task's calls started to loop or got stuck (the loop detector's verdict, once per episode).
  'loop-detect',
  // A security event: a tool offered or called that the tool policy does not allow.
  'tool-deny',
  // A tool call that needs a person's approval was held; and how a person (or the timeout) decided.
  'approval-request',
  'approval-decide',
  // A sandboxed command ran into one of its limits (timeout, CPU, memory, processes, file size, output).
  'sandbox-limit-cross',
  // A cost SLO was breached: an overrun that lasted, or a burn rate that empties the monthly budget early.
  'slo-breach',
  // A budget or policy in mode shadow would have refused, clamped, downgraded, denied or held this
  // call (data.kind), and did not. Its own type, not call-refuse or tool-deny with a flag, so every
  // existing count of refusals and denials (reports, metrics, tests) stays a count of real ones.
  'shadow-decide',
  // A task reported how it ended (data.outcome 'success' | 'failure', data.note?); the last one a task reports counts.
  'task-finish',
] as const;

export type LedgerEventType = (typeof ledgerEventTypes)[number];

export type CallStatus = 'ok' | 'refused' | 'upstream_error' | 'client_disconnected' | 'cached';

/** One ledger entry. Calls are written at reserve and settled at commit or release. */
export interface LedgerEvent {
  type: LedgerEventType;
  timeInMs: number;
  requestId?: string;
  taskId?: string;
  parentTaskId?: string;
  taskType?: string;
  keyId?: string;
  team?: string;
  org?: string;
  user?: string;
  tags?: Record<string, string>;
  requestedModel?: string;
  model?: string;
  provider?: string;
  usage?: Usage;
  costInNanoUsd?: NanoUsd;
  reservedInNanoUsd?: NanoUsd;
  status?: CallStatus;
  errorCode?: string;
  retries?: number;
  latencyInMs?: number;
  timeToFirstTokenInMs?: number;
  /**
   * A hash of the request (dialect and body; never its content), equal for identical requests, so
   * replay can tell which calls an exact-match cache would have served. Absent on older rows.
   */
  requestFingerprint?: string;
  /** Anything else the event carries (stage crossed, scope, reason). */
  data?: Record<string, unknown>;
}

export interface LedgerRow extends LedgerEvent {
  /** Monotonic position in the ledger. */
  sequence: number;
}

export interface LedgerQuery {
  types?: LedgerEventType[];
  requestId?: string;
  taskId?: string;
  keyId?: string;
  sinceInMs?: number;
  untilInMs?: number;
  /** Only rows after this sequence, for tailing. */
  afterSequence?: number;
  limit?: number;
}
