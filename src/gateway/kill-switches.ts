import type { CallScopes } from '../core/call-scopes.js';
import type { Clock } from '../core/clock.js';
import type { KillSwitch, KillTarget } from '../core/control-records.js';
import type { Store } from '../core/store.js';
import { WardenError } from '../core/warden-error.js';

export interface KillSwitches {
  /** The switch that stops a call with these scopes, if any is on. */
  match(scopes: Pick<CallScopes, 'team' | 'key' | 'tasks' | 'model' | 'user' | 'provider'>): KillSwitch | undefined;
  set(options: { target: KillTarget; reason: string; by: string }): Promise<KillSwitch>;
  clear(target: KillTarget): Promise<boolean>;
  list(): KillSwitch[];
  /** Reloads from the store (other replicas' and the CLI's changes). */
  refresh(): Promise<void>;
  /** Called with the switches that came on, locally or from the store. */
  onSet(listener: (killSwitch: KillSwitch) => void): void;
}

const targetPattern = /^(global|(team|key|task|model|user|provider):.+)$/;

export function parseKillTarget(text: unknown): KillTarget {
  if (typeof text !== 'string' || !targetPattern.test(text)) {
    throw new WardenError(
      'invalid_request',
      `A kill switch target is "global" or a scope like "team:research", "key:key_…", "task:…", "model:gpt-4o", "user:…" or "provider:openai"; got ${JSON.stringify(text)}.`,
    );
  }
  return text as KillTarget;
}

/** Kill switches held in memory for the hot path and kept in step with the store. */
export function createKillSwitches(options: { store: Store; clock: Clock }): KillSwitches {
  const { store, clock } = options;
  let byTarget = new Map<string, KillSwitch>();
  const listeners: Array<(killSwitch: KillSwitch) => void> = [];
  const announce = (killSwitch: KillSwitch): void => {
    for (const listener of listeners) listener(killSwitch);
  };

  return {
    match(scopes) {
      if (byTarget.size === 0) return undefined;
      const candidates = [
        'global',
        scopes.team === undefined ? undefined : `team:${scopes.team}`,
        scopes.key === undefined ? undefined : `key:${scopes.key}`,
        scopes.user === undefined ? undefined : `user:${scopes.user}`,
        scopes.model ? `model:${scopes.model}` : undefined,
        scopes.provider ? `provider:${scopes.provider}` : undefined,
        ...scopes.tasks.map((task) => `task:${task.id}`),
      ];
      for (const candidate of candidates) {
        const found = candidate === undefined ? undefined : byTarget.get(candidate);
        if (found) return found;
      }
      return undefined;
    },
    async set({ target, reason, by }) {
      const killSwitch: KillSwitch = { target, reason, by, atInMs: clock.now() };
      await store.setKillSwitch(killSwitch);
      byTarget.set(target, killSwitch);
      announce(killSwitch);
      return killSwitch;
    },
    async clear(target) {
      const cleared = await store.clearKillSwitch(target);
      byTarget.delete(target);
      return cleared;
    },
    list: () => [...byTarget.values()],
    async refresh() {
      const current = await store.listKillSwitches();
      const next = new Map(current.map((killSwitch) => [killSwitch.target, killSwitch]));
      const added = current.filter((killSwitch) => !byTarget.has(killSwitch.target));
      byTarget = next;
      for (const killSwitch of added) announce(killSwitch);
    },
    onSet(listener) {
      listeners.push(listener);
    },
  };
}

/** The refusal for a call a kill switch stops. */
export function killSwitchError(killSwitch: KillSwitch): WardenError {
  const what = killSwitch.target === 'global' ? 'every call' : `calls charged to ${killSwitch.target}`;
  return new WardenError(
    'kill_switch',
    `A kill switch stops ${what} (set by ${killSwitch.by}: ${killSwitch.reason || 'no reason given'}). Ask an operator to lift it with \`warden unkill ${killSwitch.target}\`.`,
    { details: { target: killSwitch.target, by: killSwitch.by, atInMs: killSwitch.atInMs } },
  );
}
