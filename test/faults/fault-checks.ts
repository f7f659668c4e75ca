import { expect } from 'vitest';
import type { LedgerRow } from '../../src/core/ledger-event.js';
import type { WardenConfigInput } from '../../src/core/parse-config.js';
import type { Store } from '../../src/core/store.js';
import type { GatewayLogger } from '../../src/gateway/gateway-logger.js';
import { waitFor } from '../e2e/gateway-harness.js';

/**
 * Budgets on every kind of scope a call belongs to, so each call reserves on several lines and a
 * leaked reservation shows on all of them.
 */
export const budgetsOnEveryScope: NonNullable<WardenConfigInput['budgets']> = [
  { scope: 'org:*', window: 'day', hard: '100' },
  { scope: 'team:*', window: 'day', hard: '50' },
  { scope: 'key:*', window: 'day', hard: '10' },
  { scope: 'model:*', window: 'day', hard: '20' },
  { scope: 'provider:*', window: 'day', hard: '30' },
  { scope: 'task:*', window: 'task', hard: '5' },
];

/** A store that remembers every budget line a reserve touched, so a check can read them all back. */
export interface LineRecordingStore {
  store: Store;
  lineKeys: ReadonlySet<string>;
}

/** Wraps `inner`; every call goes through unchanged, and `lineKeys` collects the lines reserves name. */
export function recordReservedLines(inner: Store): LineRecordingStore {
  const lineKeys = new Set<string>();
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'reserve') {
        return (request: Parameters<Store['reserve']>[0]) => {
          for (const line of request.lines) lineKeys.add(line.key);
          return target.reserve(request);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, lineKeys };
}

/**
 * Waits until no budget line any call reserved on holds a reservation, then asserts it: a
 * reservation still held once every call has ended is a leak.
 */
export async function expectNoLeakedReservations(recording: LineRecordingStore, timeoutInMs = 5000): Promise<void> {
  const keys = [...recording.lineKeys];
  expect(keys.length, 'no call reserved anything: the check would pass vacuously').toBeGreaterThan(0);
  const read = () => recording.store.snapshot(keys);
  await waitFor(async () => (await read()).every((state) => state.reservedInNanoUsd === 0), timeoutInMs).catch(() => undefined);
  const states = await read();
  expect(states.map((state) => [state.key, state.reservedInNanoUsd])).toEqual(keys.map((key) => [key, 0]));
}

/** Every ledger row of one request, oldest first. */
export async function rowsOf(store: Store, requestId: string): Promise<LedgerRow[]> {
  await store.flush();
  return store.query({ requestId, limit: 1000 });
}

/** The settle rows (commit or release) of one request, waiting until at least `count` are written. */
export async function settleRowsOf(store: Store, requestId: string, count = 1): Promise<LedgerRow[]> {
  return waitFor(async () => {
    const rows = (await rowsOf(store, requestId)).filter((row) => row.type === 'reservation-commit' || row.type === 'reservation-release');
    return rows.length >= count ? rows : undefined;
  });
}

const stackTracePatterns = [/\n\s+at /, /\bat [\w.<>]+ \(/, /\.(ts|js|mjs):\d+/, /node:internal/, /\/work\//, /node_modules/];

/** Fails when `text` looks like it carries a stack trace or a source path. */
export function expectNoStackTrace(text: string): void {
  for (const pattern of stackTracePatterns) expect(text, `error text matches ${pattern}`).not.toMatch(pattern);
}

/**
 * Asserts an error body a client received: in its dialect's shape with Warden's stable code and a
 * message, no stack trace or path, and not a bare 500.
 */
export function expectCleanErrorBody(options: { status: number; body: unknown; dialect: 'openai' | 'anthropic'; code?: string }): void {
  const { status, body, dialect } = options;
  expect(status, 'a bare 500 means Warden failed, not the upstream').not.toBe(500);
  const error = dialect === 'openai' ? (body as { error?: Record<string, unknown> }).error : (body as { type?: string; error?: Record<string, unknown> }).error;
  if (dialect === 'anthropic') expect(body).toMatchObject({ type: 'error' });
  expect(error).toMatchObject({ type: expect.any(String), message: expect.any(String), code: options.code ?? expect.any(String) });
  expect(String(error?.message).length).toBeGreaterThan(10);
  expectNoStackTrace(JSON.stringify(body));
}

/** A gateway logger that keeps what was logged at error level, for asserting that a fault was not an internal error. */
export function createErrorLog(): { logger: GatewayLogger; errors: string[] } {
  const errors: string[] = [];
  const logger: GatewayLogger = {
    info: () => undefined,
    warn: () => undefined,
    error: (fields, message) => {
      const cause = fields.err instanceof Error ? `: ${fields.err.message}` : '';
      errors.push(`${message}${cause}`);
    },
  };
  return { logger, errors };
}
