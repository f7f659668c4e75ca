import { createHash } from 'node:crypto';

/**
 * A request's fingerprint for the ledger: SHA-256 over its dialect and body text, as 32 hex
 * digits. Equal for identical requests (what an exact-match cache would serve), and never the
 * content itself. The gateway hashes the body bytes as received; the SDK its JSON.
 * @example fingerprintRequest({ dialect: 'openai-chat', bodyText: '{"model":"gpt-4o-mini","messages":[]}' })
 */
export function fingerprintRequest(options: { dialect: string; bodyText: string }): string {
  return createHash('sha256').update(options.dialect).update('\u0000').update(options.bodyText).digest('hex').slice(0, 32);
}

/** The fingerprint of a request body the SDK holds as an object (its JSON); undefined when it has none (a cycle, a BigInt). */
export function fingerprintBody(options: { dialect: string; body: unknown }): string | undefined {
  let bodyText: string | undefined;
  try {
    bodyText = JSON.stringify(options.body);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
  return bodyText === undefined ? undefined : fingerprintRequest({ dialect: options.dialect, bodyText });
}
