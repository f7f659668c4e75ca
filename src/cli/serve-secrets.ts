import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { WardenError } from '../core/warden-error.js';

/**
 * The HMAC secret for virtual keys: from config or WARDEN_SECRET, else kept in a file beside
 * the database (created once, readable by its owner only) so keys survive restarts.
 */
export function loadOrCreateSecret(options: { configured?: string; env?: string; path: string }): string {
  if (options.configured !== undefined) return options.configured;
  if (options.env !== undefined && options.env !== '') {
    if (options.env.length < 16) throw new WardenError('invalid_config', 'WARDEN_SECRET must be at least 16 characters; generate one with `openssl rand -hex 32`.');
    return options.env;
  }
  if (existsSync(options.path)) return readFileSync(options.path, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(options.path, `${secret}\n`, { mode: 0o600 });
  chmodSync(options.path, 0o600);
  return secret;
}

/** A key derived from the secret, so the demo can print the same working key at every start without storing it. */
export function derivedKey(secret: string, purpose: 'demo' | 'admin'): string {
  const tail = createHmac('sha256', secret).update(`warden-${purpose}-key`).digest('base64url').slice(0, 32);
  return purpose === 'demo' ? `wk-demo-${tail}` : `wadmin-${tail}`;
}
