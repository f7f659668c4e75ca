import { WardenError } from '../core/warden-error.js';

/** The error putKey throws when another key already holds the hash: two ids must never share a secret. */
export function duplicateKeyHashError(keyId: string, holderId: string): WardenError {
  return new WardenError('invalid_request', `Key "${keyId}" has the same hash as key "${holderId}"; generate a new secret for "${keyId}".`, {
    details: { keyId, holderId },
  });
}
