import { WardenError } from '../../core/warden-error.js';

/** Runs SQLite work, turning a driver failure (a lock held too long, a broken file) into store_unavailable with `message`. */
export function sqliteAttempt<Result>(message: string, work: () => Result): Result {
  try {
    return work();
  } catch (cause) {
    if (cause instanceof WardenError) throw cause;
    throw new WardenError('store_unavailable', message, { cause });
  }
}
