import { Redis, ReplyError } from 'ioredis';
import type { Clock } from '../../core/clock.js';
import type { CachedResponse, KillSwitch, KillTarget } from '../../core/control-records.js';
import type { BudgetLine, BudgetState, BudgetStore, CommitRequest, CommitResult, LineTotals, Refusal, Reservation, ReserveRequest, WindowKind } from '../../core/store.js';
import type { NanoUsd } from '../../core/money.js';
import type { ScopeKey } from '../../core/scope.js';
import { WardenError } from '../../core/warden-error.js';
import { defaultTombstoneRetentionInMs, lineSettings } from '../budget-book.js';
import { compareKillSwitches } from '../compare-kill-switches.js';
import { storeClosedError } from '../store-closed-error.js';
import { systemClock } from '../system-clock.js';
import { assertNanoUsd, validateReserveRequest } from '../validate-reserve-request.js';
import { redactUrl } from '../redact-url.js';
import { addSpendScript, claimMarkScript, commitScript, pruneLinesScript, pruneMarksScript, releaseScript, reserveScript, snapshotScript, sweepScript } from './redis-scripts.js';
import { createRedisGuards } from './redis-guards.js';
import { SettleOutbox } from './settle-outbox.js';

export interface RedisBudgetStoreOptions {
  /** redis://[user:password@]host:port/db, or rediss:// for TLS. */
  url: string;
  /** Key prefix: one per deployment sharing the server. Every key is `{namespace}:…`. */
  namespace: string;
  clock?: Clock;
  /** How long one command may take before it fails with store_unavailable. */
  commandTimeoutInMs?: number;
  /** How long a late commit can still charge a reclaimed lease; a day by default. */
  tombstoneRetentionInMs?: number;
  /** How often ended leases are freed when no call passes to do it; 0 turns it off. */
  sweepIntervalInMs?: number;
}

/** Whether the budget store answers, for /readyz and metrics. */
export interface BudgetStoreHealth {
  up: boolean;
  /** Why it is down, without credentials. */
  error?: string;
  /** Commits and releases waiting for the store to come back. */
  pendingSettles: number;
  /** Calls settled under the local allowance whose spend has not reached the shared store yet. */
  unsyncedLocalSpend?: number;
  /** Calls holding a local-allowance reservation now. */
  localReservations?: number;
}

/** Spend made while the shared store was away, to add to its counters. */
export interface SpendElsewhere {
  lines: readonly BudgetLine[];
  committedInNanoUsd: NanoUsd;
  calls: number;
}

export interface RedisBudgetStore extends BudgetStore {
  health(): BudgetStoreHealth;
  /**
   * Drops lines whose window ended and that hold no reservation, expired marks, expired cached
   * answers and approvals past their retention now, by this store's clock (Redis expires them on its own a little later). Returns the lines dropped.
   */
  prune(): Promise<number>;
  /** Adds spend made elsewhere (a local allowance) to the shared counters; rejects with store_unavailable. */
  addSpend(spend: SpendElsewhere): Promise<void>;
  /** Resolves once the connection is ready, or rejects with store_unavailable. */
  ready(): Promise<void>;
}

type ScriptName = 'wardenReserve' | 'wardenCommit' | 'wardenRelease' | 'wardenSnapshot' | 'wardenClaimMark' | 'wardenAddSpend' | 'wardenPruneLines' | 'wardenPruneMarks' | 'wardenSweep';
type ScriptRunner = (leasesKey: string, ...args: Array<string | number>) => Promise<unknown>;

/** The infinite 'total' window and anything past it never expires on its own. */
const noExpiryAfterInMs = 4_000_000_000_000;

/**
 * Budget state shared by every replica in Redis: each reserve, commit and release is one Lua
 * script (one round trip, atomic over all of a call's lines). Kill switches, cached answers,
 * approvals and task guard records live there too. Commands fail fast (no offline
 * queue, a short timeout) so a call never hangs on a missing Redis: it is refused with
 * store_unavailable, except commits and releases, which wait in an outbox and are retried
 * (they are idempotent) so spend that already happened is not lost.
 */
export function createRedisBudgetStore(options: RedisBudgetStoreOptions): RedisBudgetStore {
  const clock = options.clock ?? systemClock;
  const retention = options.tombstoneRetentionInMs ?? defaultTombstoneRetentionInMs;
  const prefix = `{${options.namespace}}:`;
  const leasesKey = `${prefix}leases`;
  const killsKey = `${prefix}kills`;
  const where = redactUrl(options.url);
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutInMs ?? 250,
    connectTimeout: Math.max(1_000, options.commandTimeoutInMs ?? 250),
    retryStrategy: (attempt) => Math.min(100 * attempt, 1_000),
  });
  let lastError: string | undefined;
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  redis.on('ready', () => {
    lastError = undefined;
  });
  for (const [name, lua] of [
    ['wardenReserve', reserveScript],
    ['wardenCommit', commitScript],
    ['wardenRelease', releaseScript],
    ['wardenSnapshot', snapshotScript],
    ['wardenClaimMark', claimMarkScript],
    ['wardenAddSpend', addSpendScript],
    ['wardenPruneLines', pruneLinesScript],
    ['wardenPruneMarks', pruneMarksScript],
    ['wardenSweep', sweepScript],
  ] as const) {
    redis.defineCommand(name, { numberOfKeys: 1, lua });
  }
  const connecting = redis.connect().catch((error: unknown) => {
    lastError = error instanceof Error ? error.message : String(error);
  });
  let closed = false;

  const unavailable = (cause: unknown, doing: string): WardenError =>
    new WardenError('store_unavailable', `Redis at ${where} did not ${doing} (${cause instanceof Error ? cause.message : String(cause)}); calls are refused until it answers. Check that Redis is running and reachable.`, { cause });
  // After three timeouts in a row the next commands fail at once for a second instead of each
  // waiting. Not after one: a stalled event loop (a long GC pause) also makes a command time out.
  let failFastUntil = 0;
  let timeoutsInARow = 0;
  const guard = async <Result>(doing: string, send: () => Promise<Result>): Promise<Result> => {
    if (closed) throw storeClosedError('Redis');
    if (performance.now() < failFastUntil) throw unavailable(new Error(`timed out within the last second: ${lastError ?? 'no answer'}`), doing);
    try {
      const result = await send();
      timeoutsInARow = 0;
      return result;
    } catch (cause) {
      // Redis answered with an error: a bug in a script or a misconfigured server, not an outage.
      if (cause instanceof WardenError || cause instanceof ReplyError) throw cause;
      if (cause instanceof Error && /timed? ?out/i.test(cause.message)) {
        lastError = cause.message;
        timeoutsInARow += 1;
        if (timeoutsInARow >= 3) failFastUntil = performance.now() + 1_000;
      }
      throw unavailable(cause, doing);
    }
  };
  const run = (name: ScriptName, doing: string, args: Array<string | number>): Promise<unknown> =>
    guard(doing, () => (redis as unknown as Record<ScriptName, ScriptRunner>)[name](leasesKey, prefix, clock.now(), retention, ...args));
  const command = guard;

  /** The keys under `${prefix}${kind}`, without that prefix, a page at a time. */
  async function* scanKeys(kind: string): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, keys] = await command('list keys', () => redis.scan(cursor, 'MATCH', `${prefix}${kind}*`, 'COUNT', 500));
      if (keys.length > 0) yield keys.map((key) => key.slice(prefix.length + kind.length));
      cursor = next;
    } while (cursor !== '0');
  }
  const lineSpec = (line: BudgetLine, now: number): Array<string | number> => {
    const ttl = line.windowEndInMs >= noExpiryAfterInMs ? 0 : Math.max(1, line.windowEndInMs - now + retention);
    return [line.key, line.scope, line.window, String(line.windowStartInMs), String(line.windowEndInMs), line.limitInNanoUsd === undefined ? '' : String(line.limitInNanoUsd), line.callLimit === undefined ? '' : String(line.callLimit), ttl];
  };
  const commitNow = async (request: CommitRequest): Promise<CommitResult> => {
    const reply = (await run('wardenCommit', 'commit a reservation', [request.reservationId, request.actualInNanoUsd])) as Array<string | number>;
    const lines: LineTotals[] = [];
    for (let index = 2; index < reply.length; index += 3) {
      lines.push({ key: String(reply[index]), committedInNanoUsd: Number(reply[index + 1]), reservedInNanoUsd: Number(reply[index + 2]) });
    }
    return { applied: reply[0] === 1, leaseExpired: reply[1] === 1, lines };
  };
  const releaseNow = async (reservationId: string): Promise<boolean> => (await run('wardenRelease', 'release a reservation', [reservationId])) === 1;
  const outbox = new SettleOutbox({ commit: commitNow, release: releaseNow });
  const { pruneApprovals, ...guards } = createRedisGuards({ redis, prefix, clock, command });

  const sweepIntervalInMs = options.sweepIntervalInMs ?? 1_000;
  const sweepTimer =
    sweepIntervalInMs > 0
      ? setInterval(() => {
          if (redis.status !== 'ready') return;
          void run('wardenSweep', 'free ended leases', []).catch(() => undefined);
          void outbox.retry();
        }, sweepIntervalInMs).unref()
      : undefined;

  return {
    async ready() {
      await connecting;
      if (redis.status !== 'ready') throw unavailable(new Error(lastError ?? redis.status), 'accept a connection');
    },
    health() {
      const up = redis.status === 'ready';
      return { up, ...(up || lastError === undefined ? {} : { error: lastError }), pendingSettles: outbox.size };
    },
    async reserve(request: ReserveRequest): Promise<Reservation | Refusal> {
      validateReserveRequest(request);
      const now = clock.now();
      const lines = JSON.stringify(request.lines.map((line) => lineSpec(line, now)));
      const reply = (await run('wardenReserve', 'answer a reserve', [request.reservationId, request.amountInNanoUsd, request.calls ?? 1, request.leaseExpiresAtInMs, lines])) as number[];
      if (reply[0] === 1) return { ok: true, reservationId: request.reservationId, amountInNanoUsd: Number(reply[1]), leaseExpiresAtInMs: Number(reply[2]) };
      return {
        ok: false,
        reason: reply[1] === 1 ? 'money' : 'calls',
        line: request.lines[Number(reply[2])] as BudgetLine,
        committedInNanoUsd: Number(reply[3]),
        reservedInNanoUsd: Number(reply[4]),
        calls: Number(reply[5]),
        requestedInNanoUsd: request.amountInNanoUsd,
      };
    },
    async prune(): Promise<number> {
      let dropped = 0;
      for await (const keys of scanKeys('line:')) dropped += Number(await run('wardenPruneLines', 'prune ended windows', keys));
      for await (const keys of scanKeys('mark:')) await run('wardenPruneMarks', 'prune expired marks', keys);
      const now = clock.now();
      for await (const keys of scanKeys('cache:')) {
        const values = await command('read the response cache', () => redis.mget(keys.map((key) => `${prefix}cache:${key}`)));
        const expired = keys.filter((_, index) => {
          const value = values[index];
          return value !== null && value !== undefined && (JSON.parse(value) as CachedResponse).expiresAtInMs <= now;
        });
        if (expired.length > 0) await command('prune the response cache', () => redis.del(...expired.map((key) => `${prefix}cache:${key}`)));
      }
      await pruneApprovals();
      return dropped;
    },
    async addSpend(spend: SpendElsewhere): Promise<void> {
      const now = clock.now();
      const lines = JSON.stringify(spend.lines.map((line) => [...lineSpec(line, now), spend.committedInNanoUsd, spend.calls]));
      await run('wardenAddSpend', 'take spend made while it was away', [lines]);
    },
    async commit(request: CommitRequest): Promise<CommitResult> {
      assertNanoUsd(request.actualInNanoUsd, 'actualInNanoUsd');
      try {
        return await commitNow(request);
      } catch (error) {
        if (closed || !(error instanceof WardenError) || error.code !== 'store_unavailable') throw error;
        outbox.add({ kind: 'commit', request });
        return { applied: true, leaseExpired: false, lines: [], deferred: true };
      }
    },
    async release(reservationId: string): Promise<boolean> {
      try {
        return await releaseNow(reservationId);
      } catch (error) {
        if (closed || !(error instanceof WardenError) || error.code !== 'store_unavailable') throw error;
        outbox.add({ kind: 'release', reservationId });
        return true;
      }
    },
    async snapshot(lines: ReadonlyArray<BudgetLine | string>): Promise<BudgetState[]> {
      const keys = lines.map((line) => (typeof line === 'string' ? line : line.key));
      const reply = (await run('wardenSnapshot', 'answer a snapshot', keys)) as Array<Array<string | null>>;
      const states: BudgetState[] = [];
      lines.forEach((line, index) => {
        const fields = reply[index] ?? [];
        const known = fields[3] !== null && fields[3] !== undefined;
        const totals = { committedInNanoUsd: Number(fields[0] ?? 0), reservedInNanoUsd: Number(fields[1] ?? 0), calls: Number(fields[2] ?? 0) };
        if (typeof line !== 'string') {
          states.push({ ...lineSettings(line), ...totals });
        } else if (known) {
          states.push({
            key: line,
            scope: fields[3] as ScopeKey,
            window: fields[4] as WindowKind,
            windowStartInMs: Number(fields[5]),
            windowEndInMs: Number(fields[6]),
            limitInNanoUsd: optionalNumber(fields[7]),
            callLimit: optionalNumber(fields[8]),
            ...totals,
          });
        }
      });
      return states;
    },
    async claimMark(markKey: string, expiresAtInMs: number): Promise<boolean> {
      return (await run('wardenClaimMark', 'claim an alert mark', [markKey, expiresAtInMs])) === 1;
    },
    async setKillSwitch(killSwitch: KillSwitch): Promise<void> {
      await command('store a kill switch', () => redis.hset(killsKey, killSwitch.target, JSON.stringify(killSwitch)));
    },
    async clearKillSwitch(target: KillTarget): Promise<boolean> {
      return (await command('clear a kill switch', () => redis.hdel(killsKey, target))) === 1;
    },
    async listKillSwitches(): Promise<KillSwitch[]> {
      const values = await command('list kill switches', () => redis.hvals(killsKey));
      return values.map((value) => JSON.parse(value) as KillSwitch).sort(compareKillSwitches);
    },
    async getCachedResponse(key: string, nowInMs: number): Promise<CachedResponse | undefined> {
      const value = await command('read the response cache', () => redis.get(`${prefix}cache:${key}`));
      if (value === null) return undefined;
      const entry = JSON.parse(value) as CachedResponse;
      return entry.expiresAtInMs > nowInMs ? entry : undefined;
    },
    async putCachedResponse(entry: CachedResponse): Promise<void> {
      const ttl = entry.expiresAtInMs - clock.now();
      if (ttl <= 0) return;
      await command('write the response cache', () => redis.set(`${prefix}cache:${entry.key}`, JSON.stringify(entry), 'PX', ttl));
    },
    ...guards,
    async flush(): Promise<void> {
      if (closed) throw storeClosedError('Redis');
      await outbox.retry();
      if (outbox.size > 0) throw unavailable(new Error(`${outbox.size} commits and releases still waiting`), 'take the waiting commits and releases');
    },
    async close(): Promise<void> {
      if (closed) return;
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      await outbox.retry();
      const unsent = outbox.size;
      closed = true;
      await connecting;
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
      if (unsent > 0) {
        throw new WardenError(
          'store_unavailable',
          `${unsent} commits and releases could not reach Redis at ${where} before shutdown: their leases will expire and free the budget, and their spend is in the ledger but not in the shared counters.`,
        );
      }
    },
  };
}

/** A stored limit: '' (or a missing field) means none. */
function optionalNumber(field: string | null | undefined): number | undefined {
  return field === null || field === undefined || field === '' ? undefined : Number(field);
}
