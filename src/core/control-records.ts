import type { NanoUsd } from './money.js';
import type { ScopeKey } from './scope.js';
import type { Usage } from './usage.js';
import type { WindowKind } from './store.js';

/** A limit a virtual key carries on its own `key:<id>` scope, set when the key is created. */
export interface KeyBudget {
  window: Exclude<WindowKind, 'request' | 'task'>;
  hardInNanoUsd?: NanoUsd;
  softInNanoUsd?: NanoUsd;
  calls?: number;
  /** shadow: judged and recorded (`shadow-decide`), never refused; absent: enforced. */
  mode?: 'shadow';
}

/**
 * A virtual key as stored: never the plaintext, only its HMAC under the server secret and a
 * short prefix to recognise it by.
 */
export interface VirtualKeyRecord {
  /** Public id, also the `key:<id>` scope: `key_…`. */
  id: string;
  /** HMAC-SHA256 of the plaintext, hex. */
  hash: string;
  /** The plaintext's first characters, for people to tell keys apart (`wk-3f9a…`). */
  prefix: string;
  name?: string;
  team?: string;
  /** Only these models (or tier names) may be called with the key; every model when absent. */
  models?: string[];
  budgets: KeyBudget[];
  /** Opt this key into the exact-match response cache. */
  cache?: boolean;
  createdAtInMs: number;
  revokedAtInMs?: number;
}

/** What a kill switch stops: everything, or every call charged to one scope. */
export type KillTarget = 'global' | ScopeKey;

/** A kill switch that is on: calls charged to its target are refused and their streams ended. */
export interface KillSwitch {
  target: KillTarget;
  reason: string;
  /** Who flipped it (an admin name, or "cli"). */
  by: string;
  atInMs: number;
}

/** A stored upstream answer, replayed byte for byte on an exact-match hit. */
export interface CachedResponse {
  /** Hash of everything that determines the answer: route, model, body. */
  key: string;
  status: number;
  contentType: string;
  body: string;
  model: string;
  usage: Usage;
  /** What the original call cost: the saving each hit records. */
  costInNanoUsd: NanoUsd;
  createdAtInMs: number;
  expiresAtInMs: number;
}
