import { buildPanelState, taskLineKey } from '../dashboard/build-panel-state.js';
import { watchedBudgetLines } from '../dashboard/budget-view.js';
import { selectFleetTasks } from '../dashboard/fleet-view.js';
import { diffJson, type JsonValue } from '../dashboard/diff-json.js';
import { createLedgerDigest, type LedgerDigest } from '../dashboard/ledger-digest.js';
import { panelSections, type PanelSection, type PanelState } from '../dashboard/panel-state.js';
import type { VirtualKeyRecord } from '../core/control-records.js';
import type { GatewayContext } from './gateway-context.js';

/** What changed since the last read, as JSON text of a diffJson patch keyed by section. */
export interface PanelUpdate {
  /** Counts reads: a client applies, in order, every update newer than the snapshot it started from. */
  version: number;
  atInMs: number;
  patch: string;
}

/** One read of the whole state, with each section as JSON text. */
export interface PanelSnapshot {
  version: number;
  state: PanelState;
  sections: Record<PanelSection, string>;
  readAtInMs: number;
}

/** The panel's state, read from the gateway and its store; polled while someone watches. */
export interface PanelStateSource {
  /** The current state, read now unless it was read in the last `maxAgeInMs` (default 250). */
  current(maxAgeInMs?: number): Promise<PanelSnapshot>;
  /** Calls `listener` with the sections that changed, every poll; polls only while someone listens. */
  subscribe(listener: (update: PanelUpdate) => void): () => void;
  stop(): void;
}

const pageSize = 5_000;
const keysTtlInMs = 10_000;

/**
 * Reads the ledger incrementally (from the start of the month, then only new rows) into a digest,
 * and the live facts (calls in flight, kill switches, approvals, budget lines) at every poll.
 */
export function createPanelStateSource(options: { context: GatewayContext; pollIntervalInMs?: number; onError: (error: unknown) => void }): PanelStateSource {
  const { context } = options;
  const pollIntervalInMs = options.pollIntervalInMs ?? 500;
  const digest: LedgerDigest = createLedgerDigest({ timeZone: context.config.timeZone });
  const listeners = new Set<(update: PanelUpdate) => void>();
  let latest: PanelSnapshot | undefined;
  let version = 0;
  let reading: Promise<PanelSnapshot> | undefined;
  let keys: { records: VirtualKeyRecord[]; readAtInMs: number } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const readLedger = async (): Promise<void> => {
    for (;;) {
      const after = digest.lastSequence;
      const since = context.runtime.windows.boundsAt('month', context.clock.now()).startInMs;
      const rows = await context.store.query({ ...(after === undefined ? { sinceInMs: since } : { afterSequence: after }), limit: pageSize });
      digest.ingest(rows);
      if (rows.length < pageSize) return;
    }
  };
  const readKeys = async (nowInMs: number): Promise<VirtualKeyRecord[]> => {
    if (keys === undefined || nowInMs - keys.readAtInMs > keysTtlInMs) keys = { records: await context.keys.list(), readAtInMs: nowInMs };
    return keys.records;
  };

  const read = async (): Promise<PanelSnapshot> => {
    await readLedger();
    const nowInMs = context.clock.now();
    const [approvals, keyRecords] = await Promise.all([context.approvals.list(), readKeys(nowInMs)]);
    const killSwitches = context.killSwitches.list();
    const inFlight = context.inFlight.list().map((call) => ({
      taskIds: call.scopes.tasks.map((task) => task.id),
      ...(call.scopes.key === undefined ? {} : { keyId: call.scopes.key }),
      ...(call.scopes.team === undefined ? {} : { team: call.scopes.team }),
      startedAtInMs: call.startedAtInMs,
    }));
    const pending = approvals.filter((approval) => approval.status === 'pending');
    const { ids } = selectFleetTasks({ digest, nowInMs, inFlight, pending, killSwitches });
    const watched = watchedBudgetLines({ budgets: context.config.budgets, keys: keyRecords, knownScopes: digest.knownScopes, org: context.config.org, windows: context.runtime.windows, nowInMs });
    const lineKeys = [...new Set([...watched.map((line) => line.key), ...ids.map(taskLineKey)])];
    const states = lineKeys.length === 0 ? [] : await context.store.snapshot(lineKeys);
    // Only a task the ledger saw loop can be halted: ask the store about those alone.
    const flagged = ids.filter((id) => digest.tasks.get(id)?.loop !== undefined);
    const halted = new Set<string>();
    await Promise.all(flagged.map(async (id) => ((await context.taskLoops.halted(id)) === undefined ? undefined : halted.add(id))));
    const state = buildPanelState({
      digest,
      nowInMs,
      org: context.config.org,
      budgets: context.config.budgets,
      inFlight,
      killSwitches,
      approvals,
      keyNames: new Map(keyRecords.flatMap((record) => (record.name === undefined ? [] : [[record.id, record.name] as const]))),
      circuits: context.breaker.states().map((circuit) => ({ upstream: circuit.name, state: circuit.state })),
      halted,
      states,
      watched,
    });
    const sections = Object.fromEntries(panelSections.map((section) => [section, JSON.stringify(state[section])])) as Record<PanelSection, string>;
    const previous = latest;
    version += 1;
    latest = { version, state, sections, readAtInMs: nowInMs };
    if (previous !== undefined && listeners.size > 0) {
      const patch: Partial<Record<PanelSection, JsonValue>> = {};
      for (const section of panelSections) {
        if (sections[section] === previous.sections[section]) continue;
        const sectionPatch = diffJson(JSON.parse(previous.sections[section]) as JsonValue, JSON.parse(sections[section]) as JsonValue);
        if (sectionPatch !== undefined) patch[section] = sectionPatch;
      }
      if (Object.keys(patch).length > 0) {
        const update = { version, atInMs: nowInMs, patch: JSON.stringify(patch) };
        for (const listener of listeners) listener(update);
      }
    }
    return latest;
  };
  const readOnce = (): Promise<PanelSnapshot> => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const startTimer = (): void => {
    if (timer !== undefined) return;
    timer = setInterval(() => {
      readOnce().catch(options.onError);
    }, pollIntervalInMs);
    timer.unref();
  };
  const stopTimer = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  return {
    async current(maxAgeInMs = 250) {
      if (latest !== undefined && context.clock.now() - latest.readAtInMs <= maxAgeInMs) return latest;
      return readOnce();
    },
    subscribe(listener) {
      listeners.add(listener);
      startTimer();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopTimer();
      };
    },
    stop: stopTimer,
  };
}
