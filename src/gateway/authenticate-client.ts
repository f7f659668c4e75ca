import type { IncomingHttpHeaders } from 'node:http';
import type { VirtualKeyRecord } from '../core/control-records.js';
import { WardenError } from '../core/warden-error.js';
import type { VirtualKeys } from './virtual-keys.js';

/** The credential a request presents: `Authorization: Bearer …` or `x-api-key` (Anthropic clients). */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim() || undefined;
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}

/** The live virtual key of a request, or unauthorized. */
export async function authenticateClient(keys: VirtualKeys, headers: IncomingHttpHeaders): Promise<VirtualKeyRecord> {
  const plaintext = presentedKey(headers);
  if (plaintext === undefined) {
    throw new WardenError('unauthorized', 'No API key. Send a Warden virtual key as "Authorization: Bearer wk-…" or "x-api-key: wk-…"; create one with `warden keys create`.');
  }
  // Keys longer than any real one are refused before hashing.
  const record = plaintext.length > 512 ? undefined : await keys.authenticate(plaintext);
  if (!record) {
    throw new WardenError('unauthorized', 'This API key is not a live Warden virtual key (unknown or revoked). Use a key from `warden keys create`; provider keys do not work here.');
  }
  return record;
}
