import type { BudgetLine, ReserveRequest } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';

/** Throws invalid_request for a request the book must not apply: bad amounts, calls, lease time or repeated lines. */
export function validateReserveRequest(request: ReserveRequest): void {
  assertNanoUsd(request.amountInNanoUsd, 'amountInNanoUsd');
  if (Number.isNaN(request.leaseExpiresAtInMs)) {
    throw new WardenError('invalid_request', `leaseExpiresAtInMs must be a time in ms, got NaN for reservation "${request.reservationId}".`);
  }
  const calls = request.calls ?? 1;
  if (!Number.isSafeInteger(calls) || calls < 0) {
    throw new WardenError('invalid_request', `calls must be a non-negative integer, got ${String(calls)}.`);
  }
  const lines = request.lines;
  for (let index = 0; index < lines.length; index += 1) {
    const key = (lines[index] as BudgetLine).key;
    for (let other = index + 1; other < lines.length; other += 1) {
      if ((lines[other] as BudgetLine).key === key) {
        throw new WardenError('invalid_request', `Reservation "${request.reservationId}" names budget line "${key}" twice; pass each line once.`);
      }
    }
  }
}

/** Throws invalid_request unless `value` is a non-negative safe integer. */
export function assertNanoUsd(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new WardenError('invalid_request', `${what} must be a non-negative integer count of nano-USD, got ${String(value)}.`);
  }
}
