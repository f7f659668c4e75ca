import type { Clock } from '../../core/clock.js';
import type { BudgetLine, BudgetState, CommitRequest, CommitResult, Refusal, Reservation, ReserveRequest, StoreDownPolicy } from '../../core/store.js';
import { WardenError } from '../../core/warden-error.js';
import { BudgetBook } from '../budget-book.js';
import { GuardBook } from '../guard-book.js';
import { systemClock } from '../system-clock.js';
import type { RedisBudgetStore, SpendElsewhere } from './redis-budget-store.js';

export interface StoreDownPolicyOptions {
  /** The policy of lines that do not name one (storage.onBudgetStoreDown). */
  defaultPolicy: StoreDownPolicy;
  /** Replicas sharing the store: each may spend this share of what a limit had left. */
  replicas: number;
  clock?: Clock;
  /** How often spend made locally is offered to the shared store. */
  syncIntervalInMs?: number;
}

interface LocalReservation {
  lines: readonly BudgetLine[];
  calls: number;
}

/**
 * Applies the failure policy of each budget line when the shared store cannot be reached. A call
 * whose lines all allow it reserves against a local book holding this replica's share of what
 * each limit had left when the store was last seen (or of the whole limit, if never seen); every
 * other call is refused with store_unavailable. Spend made locally is added to the shared
 * counters once the store answers again. Never unlimited: a line without a limit stays without
 * one, and a line with one gets at most its share.
 *
 * The guardrails' state: approvals always need the shared store (store_unavailable without it).
 * Task guard records (tool-call counts, wall clock, loop detector) do too under fail-closed; under
 * a local-allowance default this replica keeps its own while the store is away, started afresh and
 * dropped, not merged, when it is back.
 */
export function withStoreDownPolicy(shared: RedisBudgetStore, options: StoreDownPolicyOptions): RedisBudgetStore {
  const clock = options.clock ?? systemClock;
  let local = new BudgetBook();
  const localReservations = new Map<string, LocalReservation>();
  const unsynced: SpendElsewhere[] = [];
  /** committed + reserved per line key, as the shared store last reported it. */
  const lastSeenUse = new Map<string, number>();
  let syncing: Promise<void> | undefined;
  const localGuards = new GuardBook();
  let localGuardsUsed = false;

  const allowsLocal = (request: Pick<ReserveRequest, 'lines'>): boolean => request.lines.every((line) => (line.onStoreDown ?? options.defaultPolicy) === 'local-allowance');
  const share = (line: BudgetLine): BudgetLine => {
    const left = line.limitInNanoUsd === undefined ? undefined : Math.max(0, line.limitInNanoUsd - (lastSeenUse.get(line.key) ?? 0));
    return {
      ...line,
      limitInNanoUsd: left === undefined ? undefined : Math.floor(left / options.replicas),
      callLimit: line.callLimit === undefined ? undefined : Math.floor(line.callLimit / options.replicas),
    };
  };
  const settleLocally = (reservationId: string, committedInNanoUsd: number): LocalReservation | undefined => {
    const reservation = localReservations.get(reservationId);
    if (reservation === undefined) return undefined;
    localReservations.delete(reservationId);
    unsynced.push({ lines: reservation.lines, committedInNanoUsd, calls: reservation.calls });
    return reservation;
  };
  const sync = (): Promise<void> => {
    if (localGuardsUsed && shared.health().up) {
      localGuards.prune(Number.POSITIVE_INFINITY);
      localGuardsUsed = false;
    }
    syncing ??= (async () => {
      while (unsynced.length > 0 && shared.health().up) {
        try {
          await shared.addSpend(unsynced[0] as SpendElsewhere);
        } catch {
          return;
        }
        unsynced.shift();
      }
      // Everything local has reached the shared store: the next outage starts from its figures.
      if (unsynced.length === 0 && localReservations.size === 0) local = new BudgetBook();
    })().finally(() => {
      syncing = undefined;
    });
    return syncing;
  };
  const syncTimer = setInterval(() => void sync(), options.syncIntervalInMs ?? 500).unref();
  const isStoreDown = (error: unknown): boolean => error instanceof WardenError && error.code === 'store_unavailable';
  const guardsLocally = (error: unknown): boolean => {
    if (!isStoreDown(error) || options.defaultPolicy !== 'local-allowance') return false;
    localGuardsUsed = true;
    return true;
  };

  return {
    ...shared,
    health: () => ({ ...shared.health(), unsyncedLocalSpend: unsynced.length, localReservations: localReservations.size }),
    async reserve(request: ReserveRequest): Promise<Reservation | Refusal> {
      try {
        const result = await shared.reserve(request);
        if (!result.ok) lastSeenUse.set(result.line.key, result.committedInNanoUsd + result.reservedInNanoUsd);
        return result;
      } catch (error) {
        if (!isStoreDown(error) || !allowsLocal(request)) throw error;
        const result = local.reserve({ ...request, lines: request.lines.map(share) }, clock.now());
        if (result.ok) localReservations.set(request.reservationId, { lines: request.lines, calls: request.calls ?? 1 });
        return result;
      }
    },
    async snapshot(lines: ReadonlyArray<BudgetLine | string>): Promise<BudgetState[]> {
      try {
        return await shared.snapshot(lines);
      } catch (error) {
        const objects = lines.filter((line): line is BudgetLine => typeof line !== 'string');
        if (!isStoreDown(error) || objects.length !== lines.length || !allowsLocal({ lines: objects })) throw error;
        // What this replica may still spend of its share, for clamping while the store is away.
        return local.snapshot(objects.map(share));
      }
    },
    async commit(request: CommitRequest): Promise<CommitResult> {
      if (localReservations.has(request.reservationId)) {
        const result = local.commit(request, clock.now());
        settleLocally(request.reservationId, request.actualInNanoUsd);
        void sync();
        // Local totals are this replica's share, not the budget's: callers get no line figures.
        return { ...result, lines: [], deferred: true };
      }
      const result = await shared.commit(request);
      for (const line of result.lines) lastSeenUse.set(line.key, line.committedInNanoUsd + line.reservedInNanoUsd);
      return result;
    },
    async release(reservationId: string): Promise<boolean> {
      if (localReservations.has(reservationId)) {
        const freed = local.release(reservationId, clock.now());
        settleLocally(reservationId, 0);
        void sync();
        return freed;
      }
      return shared.release(reservationId);
    },
    async findTaskGuard(taskId, nowInMs) {
      try {
        return await shared.findTaskGuard(taskId, nowInMs);
      } catch (error) {
        if (!guardsLocally(error)) throw error;
        return localGuards.findTaskGuard(taskId, nowInMs);
      }
    },
    async updateTaskGuard(update) {
      try {
        return await shared.updateTaskGuard(update);
      } catch (error) {
        if (!guardsLocally(error)) throw error;
        return localGuards.updateTaskGuard(update);
      }
    },
    async flush(): Promise<void> {
      await sync();
      await shared.flush();
      if (unsynced.length > 0) throw new WardenError('store_unavailable', `${unsynced.length} settled calls spent under the local allowance have not reached the shared budget store yet; they are retried every few hundred ms.`);
    },
    async close(): Promise<void> {
      clearInterval(syncTimer);
      await sync();
      const left = unsynced.length;
      await shared.close();
      if (left > 0) {
        throw new WardenError('store_unavailable', `${left} settled calls spent under the local allowance could not reach the shared budget store before shutdown; their spend is in the ledger but not in the shared counters.`);
      }
    },
  };
}
