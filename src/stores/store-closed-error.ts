import { WardenError } from '../core/warden-error.js';

/** The error every store operation throws after close(). */
export function storeClosedError(storeName: string): WardenError {
  return new WardenError('store_unavailable', `The ${storeName} store is closed; create a new store (or keep this one open until shutdown).`);
}
